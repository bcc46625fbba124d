"""Privacy tests reuse the invitation fixtures (emulator, ready member) and complaint factory."""

from tests.complaints.conftest import make_complaint  # noqa: F401
from tests.invitations.conftest import app_config, ready_member  # noqa: F401
from tests.reviews.conftest import emulator, emulator_server, make_link  # noqa: F401
