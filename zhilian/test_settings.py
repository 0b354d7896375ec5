"""Settings for the test suite: the production settings with test switches set first."""

import os
import tempfile

os.environ["ZHILIAN_TESTING"] = "1"
os.environ.setdefault("ZHILIAN_DATA_DIR", tempfile.mkdtemp(prefix="zhilian-test-"))

from zhilian.settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # speed only; production uses PBKDF2
