"""Reads of accounts that every request makes: the signed-in account and the API token.

Both are kept results (``core.resultcache``): read once, then reused until a table they
were read from changes (an account, its organization, a role, a token, its last use),
whatever process changed it. Each caller gets its own copy: a request hangs per-request
memos on the account (scopes, permission answers) that must not reach the next one.
"""

import hashlib
import pickle  # nosec B403 - only our own rows, pickled here

from zhilian.core import resultcache


def signed_in_account(user_id):
    """Return the account ``user_id`` with its organization and role codes, or None."""
    from .models import User

    def compute():
        user = User._default_manager.select_related("organization").filter(pk=user_id).first()
        if user is not None:
            user.role_codes  # noqa: B018 - read now, with the account
        return pickle.dumps(user, protocol=pickle.HIGHEST_PROTOCOL)

    try:
        key = (int(user_id),)
    except (TypeError, ValueError):
        return None
    return pickle.loads(resultcache.cached("account", key, compute))  # nosec B301 - pickled by compute


def api_token(key: str):
    """Return the API token ``key`` with its last use and its account, or None."""
    from rest_framework.authtoken.models import Token

    def compute():
        token = Token.objects.select_related("use").filter(key=key).first()
        return pickle.dumps(token, protocol=pickle.HIGHEST_PROTOCOL)

    digest = hashlib.sha256(str(key).encode()).hexdigest()  # the key itself stays out of cache keys
    token = pickle.loads(resultcache.cached("api-token", (digest,), compute))  # nosec B301 - pickled by compute
    if token is None:
        return None
    user = signed_in_account(token.user_id)
    if user is None:
        return None
    token.user = user
    return token
