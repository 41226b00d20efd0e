"""A first tour of mutuals from an app's backend, with the Python client.

Start the service (`make run` at the repository's root prints the project id and the
service key), then:

    MUTUALS_PROJECT_ID=<project id> MUTUALS_SERVICE_KEY=<service key> python quickstart.py

MUTUALS_URL defaults to http://127.0.0.1:8000.
"""

import os
import uuid

from mutuals_client import Client, Conflict
from mutuals_client.models import User

PASSWORD = "a long password"  # noqa: S105 - the example's made-up users


def sign_up(backend: Client, name: str, tag: str) -> User:
    email = f"{name.lower()}-{tag}@example.com"
    created = backend.auth.sign_up(email, PASSWORD, username=f"{name.lower()}_{tag}", name=name)
    if created.user is None:
        raise SystemExit(f"could not sign {name} up")
    return created.user


def main() -> None:
    url = os.environ.get("MUTUALS_URL", "http://127.0.0.1:8000")
    project_id = os.environ["MUTUALS_PROJECT_ID"]
    service_key = os.environ["MUTUALS_SERVICE_KEY"]
    tag = uuid.uuid4().hex[:6]

    with Client(url, project_id, service_key=service_key) as backend:
        # Two users, as your sign-up flow would create them.
        ada, grace = sign_up(backend, "Ada", tag), sign_up(backend, "Grace", tag)
        print(f"created {ada.username} and {grace.username}")

        # The backend acts for a user with its service key.
        as_ada, as_grace = backend.acting_as(ada.id), backend.acting_as(grace.id)
        request = as_ada.connections.request(grace.id, message="Hi Grace!")
        for pending in as_grace.connections.pending_received():
            print(f"{grace.username} has a request from {pending.user.username}: {pending.message}")
        as_grace.connections.accept(request.id)
        as_ada.follows.follow(grace.id)
        try:
            as_ada.follows.follow(grace.id)
        except Conflict as error:
            print(f"following twice: {error.code}")

        [relationship] = as_ada.relationships.batch([grace.id])
        state = relationship.connection.status if relationship.connection else "none"
        print(f"ada and grace: connection {state}, ada follows grace: {relationship.following}")
        for connection in backend.connections.of_user(ada.id):
            print(f"{ada.username} is connected to {connection.connected_user.username}")
        followers = backend.follows.followers_count(grace.id)
        unread = as_grace.notifications.unread_count()
        print(f"{grace.username} has {followers} follower(s), {unread} unread notification(s)")

    # A user's own session: sign in, and the client keeps (and refreshes) the tokens.
    with Client(url, project_id) as session:
        session.auth.sign_in(f"grace-{tag}@example.com", PASSWORD)
        print(f"grace signed in: {session.connections.my_count()} connection(s)")


if __name__ == "__main__":
    main()
