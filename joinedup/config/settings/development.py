"""Development and demo: SQLite under var/, console email, DEBUG on."""

from joinedup.platform.encryption import derive_key

from .base import *  # noqa: F401,F403
from .base import VAR_DIR, env_bool, env_list

DEBUG = env_bool("JOINEDUP_DEBUG", True)
SECRET_KEY = SECRET_KEY or "joinedup-development-only-not-secret"  # noqa: F405
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
VAR_DIR.mkdir(parents=True, exist_ok=True)
STATIC_ROOT = None
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
JOINEDUP_ENVIRONMENT = "development"
# Development and the demo derive a field key from the (public) development secret.
JOINEDUP_FIELD_KEYS = JOINEDUP_FIELD_KEYS or [derive_key(SECRET_KEY)]  # noqa: F405
