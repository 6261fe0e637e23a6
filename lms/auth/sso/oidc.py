"""OpenID Connect: the authorization code flow with PKCE, through Authlib.

Authlib reads the provider's discovery document, keeps `state`, `nonce` and the PKCE verifier in
the session, and on the way back checks the state, swaps the code for tokens and verifies the ID
token (signature against the provider's keys, issuer, audience, expiry, nonce). What is left here:
one client per provider, telling the person in German what went wrong, and reading the claims
into a `DirectoryPerson`. Tokens are used once and kept nowhere.
"""
from authlib.common.errors import AuthlibBaseError
from authlib.common.urls import add_params_to_uri
from authlib.integrations.flask_client import OAuth
from flask import Flask, current_app
from joserfc.errors import JoseError
from requests import RequestException

from lms.auth.sso.person import (
    DirectoryPerson,
    ForeignAddress,
    ProviderUnreachable,
    SignInCancelled,
    SignInFailed,
)
from lms.auth.sso.providers import OidcProvider, label_of, load, sign_in_method


def init_app(app: Flask) -> None:
    providers = load(app.config)
    app.extensions["lms.sso"] = providers
    app.jinja_env.globals.update(sign_in_method=sign_in_method, sign_in_provider_label=label_of)
    oauth = OAuth(app)
    for provider in providers.values():
        client_kwargs = {"scope": provider.scopes, "code_challenge_method": "S256",
                         "default_timeout": app.config["SSO_TIMEOUT_SECONDS"]}
        if provider.client_secret is None:  # a public client: PKCE alone proves the code is ours
            client_kwargs["token_endpoint_auth_method"] = "none"
        oauth.register(
            name=provider.id, client_id=provider.client_id, client_secret=provider.client_secret,
            server_metadata_url=f"{provider.issuer}/.well-known/openid-configuration", client_kwargs=client_kwargs,
        )


def _client(provider: OidcProvider):
    return current_app.extensions["authlib.integrations.flask_client"].create_client(provider.id)


def _metadata(client, provider: OidcProvider) -> dict:
    """The discovery document, checked: it must name the configured issuer (OpenID Discovery 4.3),
    and an unsigned ID token (`alg: none`) is never accepted, whatever it lists."""
    metadata = client.load_server_metadata()
    if metadata.get("issuer", "").rstrip("/") != provider.issuer:
        raise ValueError("the discovery document names another issuer")
    algorithms = metadata.get("id_token_signing_alg_values_supported") or ["RS256"]
    metadata["id_token_signing_alg_values_supported"] = [alg for alg in algorithms if alg.lower() != "none"]
    return metadata


def _unreachable(provider: OidcProvider, error: Exception) -> ProviderUnreachable:
    current_app.logger.warning("sign-in provider %s not reachable: %s", provider.id, type(error).__name__)
    return ProviderUnreachable(provider.label)


def start(provider: OidcProvider, redirect_uri: str):
    """The redirect to the provider's sign-in (state, nonce and PKCE verifier go into the session)."""
    client = _client(provider)
    try:
        _metadata(client, provider)
        return client.authorize_redirect(redirect_uri)
    except (RequestException, ValueError) as error:  # no answer, or no discovery document in it
        raise _unreachable(provider, error) from None


def finish(provider: OidcProvider) -> DirectoryPerson:
    """The person the provider's answer proves, or SignInFailed / ProviderUnreachable."""
    client = _client(provider)
    try:
        metadata = _metadata(client, provider)
        # Authlib checks the issuer and the nonce; that the token is meant for us (aud) is asked here.
        token = client.authorize_access_token(claims_options={
            "iss": {"essential": True, "values": [metadata["issuer"]]},
            "aud": {"essential": True, "values": [provider.client_id]},
        })
        claims = dict(token.get("userinfo") or {})
        if not claims:
            raise SignInFailed()  # no ID token: nothing says who signed in
        if metadata.get("userinfo_endpoint") and not _has_all(provider, claims):
            extra = client.userinfo(token=token)
            if extra.get("sub") != claims["sub"]:  # OpenID Connect Core 5.3.2
                raise SignInFailed()
            claims = {**extra, **claims}
    except (AuthlibBaseError, JoseError) as error:  # forged or replayed state, bad signature, audience, expiry, nonce
        current_app.logger.warning("sign-in through %s refused: %s %r", provider.id, type(error).__name__,
                                   str(getattr(error, "error", ""))[:40])  # %r: the provider's text, escaped
        if getattr(error, "error", None) == "access_denied":
            raise SignInCancelled(provider.label) from None
        raise SignInFailed() from None
    except (RequestException, ValueError) as error:
        raise _unreachable(provider, error) from None
    person = _person(provider, claims)
    if not provider.may_vouch_for(person.email):
        current_app.logger.warning("sign-in through %s refused: an address outside its domains", provider.id)
        raise ForeignAddress(provider.label)
    return person


def _has_all(provider: OidcProvider, claims: dict) -> bool:
    wanted = [provider.email_claim, provider.name_claim]
    if provider.roles:
        wanted.append(provider.groups_claim)
    return all(name in claims for name in wanted)


def _person(provider: OidcProvider, claims: dict) -> DirectoryPerson:
    """The claims as lms reads them; a claim of another type than the standard's counts as absent."""
    groups = claims.get(provider.groups_claim) or []
    groups = [groups] if isinstance(groups, str) else groups if isinstance(groups, list) else []
    verified = provider.trust_email or claims.get("email_verified") in (True, "true")
    return DirectoryPerson(
        provider=provider.id, subject=str(claims["sub"]), email=_text(claims, provider.email_claim),
        email_verified=verified, name=_text(claims, provider.name_claim),
        groups=frozenset(group for group in groups if isinstance(group, str)),
        region=_text(claims, provider.region_claim), sector=_text(claims, provider.sector_claim),
    )


def _text(claims: dict, name: str | None) -> str | None:
    value = claims.get(name) if name else None
    return value.strip() or None if isinstance(value, str) else None


def logout_url(provider: OidcProvider, post_logout_redirect_uri: str) -> str | None:
    """The provider's end-session address for RP-initiated logout, if it has one (None if it cannot
    be asked now): lms offers it after its own sign-out, it does not send the person there unasked."""
    try:
        metadata = _metadata(_client(provider), provider)
    except (RequestException, ValueError):
        return None
    endpoint = metadata.get("end_session_endpoint")
    if not endpoint:
        return None
    return add_params_to_uri(endpoint, {"client_id": provider.client_id,
                                        "post_logout_redirect_uri": post_logout_redirect_uri})
