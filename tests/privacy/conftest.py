"""Privacy tests reuse the invitation fixtures (emulator, ready member)."""

from tests.invitations.conftest import app_config, ready_member  # noqa: F401
from tests.reviews.conftest import emulator, emulator_server, make_link  # noqa: F401
