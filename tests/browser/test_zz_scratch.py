import pytest
from tests.browser.test_accessibility import axe_violations

def test_scratch(page):
    page.goto("/connexion/")
    page.evaluate("() => { const i = document.createElement('img'); i.src='/static/img/favicon.svg'; document.querySelector('main').appendChild(i); const p=document.createElement('p'); p.style.color='#ccc'; p.textContent='pale'; document.querySelector('main').appendChild(p); }")
    v = axe_violations(page)
    print("VIOL", v)
    n = page.evaluate("async () => { const r = await axe.run(document); return [r.passes.length, r.incomplete.map(x=>x.id), r.inapplicable.length, axe.version]; }")
    print("COUNTS", n)
