"""Private messages: end-to-end encrypted one-to-one and group conversations. The server relays and stores
ciphertext it cannot read; nothing that decides public content imports this package or reads its tables."""
