"""Single sign-on: people whose organisation runs an identity provider sign in with its account.

One small interface: a provider proves who a person is and hands over a `DirectoryPerson`
(`person.py`); `accounts.sign_in` turns that into the lms account (created just in time, linked by
a verified e-mail address, refreshed at every sign-in). Providers are configured from the
environment (`providers.py`); OpenID Connect (`oidc.py`) speaks to them through Authlib.
"""
