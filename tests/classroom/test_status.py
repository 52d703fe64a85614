"""When the shared store goes away and comes back (docs/CLASSROOM.md, "One process, or many"): pages
are told "reconnecting", then "live", and the hub writes back the rooms it serves. Driven here
through the hub's own ``on_status``, as a broker calls it, over MemoryBroker (whose store is then
emptied, as a restarted Redis would be); the Redis fault tests do it for real."""

from __future__ import annotations

from app.classroom.broker import BrokerDown
from app.classroom.memory import MemoryBroker
from tests.classroom.room import STATE, Classroom, refused

RECONNECTING = {"type": "status", "status": "reconnecting"}
LIVE = {"type": "status", "status": "live"}


def test_pages_are_told_and_the_room_is_written_back_with_its_latest_state(classroom: Classroom) -> None:
    hub, portal = classroom.hub, classroom.client.portal
    assert portal is not None and isinstance(hub.broker, MemoryBroker)
    room = classroom.open()
    with classroom.teacher(room) as teacher, classroom.student(room, "student-1") as student:
        assert teacher.receive_json() == {"type": "presence", "present": 1}
        teacher.send_json({"type": "state", "state": STATE})
        assert student.receive_json() == {"type": "state", "state": STATE}

        portal.call(hub.on_status, False)
        assert teacher.receive_json() == RECONNECTING
        assert student.receive_json() == RECONNECTING
        for code in list(hub.broker._rooms):  # the store comes back empty
            portal.call(hub.broker.delete_room, code)
        assert classroom.client.get(f"/api/classroom/{room['code']}").status_code == 404

        portal.call(hub.on_status, True)
        assert student.receive_json() == {"type": "state", "state": STATE}
        assert student.receive_json() == LIVE
        assert teacher.receive_json() == LIVE
        assert classroom.client.get(f"/api/classroom/{room['code']}").json()["present"] == 1

        with classroom.student(room, "student-2") as newcomer:  # the room, its state and its key are back
            assert newcomer.receive_json() == {"type": "state", "state": STATE}
        with classroom.teacher(room) as again:
            assert again.receive_json() == {"type": "state", "state": STATE}
        moved = {**STATE, "step": 8}
        teacher.send_json({"type": "state", "state": moved})
        assert student.receive_json() == {"type": "state", "state": moved}


class Unreachable(MemoryBroker):
    """A store that does not answer (Redis down): every room operation raises BrokerDown."""

    async def create_room(self, *args: object, **kwargs: object) -> bool:
        raise BrokerDown()

    async def get_room(self, code: str) -> None:
        raise BrokerDown()


STORE_DOWN = "the classroom's shared store (Redis) cannot be reached; try again in a moment"


def test_with_the_store_unreachable_http_is_503_and_sockets_close_1011(classroom: Classroom) -> None:
    classroom.hub.broker = Unreachable()
    response = classroom.client.post("/api/classroom")
    assert response.status_code == 503
    assert response.json()["message"] == f"redis_url: got no answer; {STORE_DOWN}"
    assert classroom.client.get("/api/classroom/KPRTXW").json()["message"] == f"redis_url: got no answer; {STORE_DOWN}"
    assert classroom.client.get("/api/classroom/KPRTXW/qr.svg").status_code == 503
    with classroom.client.websocket_connect("/api/classroom/KPRTXW/live") as ws:
        assert refused(ws) == (STORE_DOWN, 1011, "the shared store cannot be reached")
