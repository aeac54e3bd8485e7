"""Building rows of the authorisation matrix: the expected answer for each role."""

from lda.accounts.roles import Role

ROLES = ["anonymous", *Role.values]
LOGIN = 302  # anonymous users are sent to the sign-in page


def everyone(code, anonymous=LOGIN):
    return {"anonymous": anonymous, **{r: code for r in Role.values}}


def only(allowed: dict, others=403, anonymous=LOGIN):
    return {"anonymous": anonymous, **{r: allowed.get(r, others) for r in Role.values}}
