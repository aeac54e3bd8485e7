"""Every URL pattern of the project, for tests that must cover them all."""

from django.urls import URLPattern, URLResolver, get_resolver


def all_patterns():
    """(route, name, callback) for every pattern, namespaces included."""

    def walk(patterns, prefix, namespace):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                inner = namespace
                if pattern.namespace:
                    inner = f"{namespace}:{pattern.namespace}" if namespace else pattern.namespace
                yield from walk(pattern.url_patterns, prefix + str(pattern.pattern), inner)
            elif isinstance(pattern, URLPattern):
                name = f"{namespace}:{pattern.name}" if namespace and pattern.name else pattern.name
                yield prefix + str(pattern.pattern), name, pattern.callback

    return list(walk(get_resolver().url_patterns, "", None))
