"""The live classroom (docs/CLASSROOM.md): rooms, their codes and keys, the WebSocket protocol, the hub."""
