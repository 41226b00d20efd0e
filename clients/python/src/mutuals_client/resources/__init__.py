"""One module per feature of the server: connections, follows, blocks, relationships,
notifications, users, identity (the /auth endpoints), webhooks and operations."""
