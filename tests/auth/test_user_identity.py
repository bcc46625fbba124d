"""User equality follows the database row, not the session token Flask-Login keeps as its id.

Flask-Login's `UserMixin.__eq__` compares `get_id()`, which here is the request's session token
(None outside a request): two different users compared equal, and the same user seen from two
sessions compared unequal.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from portal.auth.models import User
from portal.extensions import db


def test_different_users_are_not_equal_outside_a_request(make_user):
    one, two = make_user(), make_user()
    assert one.get_id() is None and two.get_id() is None
    assert one != two
    assert two not in [one]
    assert len({one, two}) == 2


def test_the_same_row_is_equal_whatever_its_session_token(make_user):
    user = make_user()
    with Session(db.engine) as other_session:
        copy = other_session.get(User, user.id)
        assert copy is not user
        copy.session_token = "another-session"
        assert copy == user and hash(copy) == hash(user)
        assert copy in [user] and len({user, copy}) == 1


def test_an_unsaved_user_equals_only_itself(make_user):
    fresh, other = User(email="a@bedrijf.example"), User(email="b@bedrijf.example")
    assert fresh == fresh and fresh != other
    assert fresh != make_user()


def test_flask_login_identity_is_still_the_session_token(make_user):
    user = make_user()
    user.session_token = "token-of-this-request"
    assert user.get_id() == "token-of-this-request"
