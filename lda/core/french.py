"""Small rules of written French the messages need."""

VOWELS = set("aeiouyhàâäéèêëîïôöùûüœAEIOUYHÉÈÊÀÂÎÔ")


def de(phrase: str) -> str:
    """ "de" before `phrase`, elided before a vowel or a mute h: « d'activer », « de renvoyer »."""
    return f"d'{phrase}" if phrase[:1] in VOWELS else f"de {phrase}"
