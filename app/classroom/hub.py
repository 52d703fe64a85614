"""The hub: one per process, over a Broker (app/classroom/broker.py). It admits connections, greets
them with the room's latest values, acts on their messages and fans the room's messages out to the
connections of this process (docs/CLASSROOM.md).

What a teacher or student sends is written to the broker and published; every process subscribed to
the room (this one included) gets it back in ``on_message`` and sends it to its own connections.
Internal messages (``_presence``, ``_answers``) tell every process to recompute what its teachers
see. A heartbeat marks this process's students present, pushes back the expiry of rooms that had
messages, tells teachers when presence changed and closes the connections of a room that expired.
The hub keeps a copy of each served room's record and latest values, to write back when the shared
store comes back empty (``on_status(True)``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from starlette.websockets import WebSocket

from app.classroom import codes
from app.classroom.broker import Broker, BrokerDown, Json
from app.classroom.conn import Conn, encode
from app.classroom.protocol import Answer, End, Message, Question, Reveal, State, parse
from app.classroom.ratelimit import TokenBucket
from app.classroom.tally import tally
from app.config import Settings
from app.engine.errors import Described, ParamError
from app.lessons import exercises as ex

log = logging.getLogger(__name__)

ENDED, WRONG_KEY, NO_ROOM, BAD_STUDENT, FULL, FLOOD, STORE_DOWN = 4000, 4003, 4004, 4400, 4029, 1008, 1011
CLOSE_WAIT = 5.0  # seconds a closing connection has to receive its last messages
EXERCISES_KEPT = 64


def no_room(code: str) -> str:
    return f"no room '{code}' (never made, ended, or expired)"


STORE_DOWN_MESSAGE = "the classroom's shared store (Redis) cannot be reached; try again in a moment"
INTERNAL = "internal error: the server could not handle this message"
NOT_SENT = "the classroom's shared store (Redis) cannot be reached: this message was not delivered; send it again"


@dataclass(eq=False)
class Room:
    """This process's connections to one room, and its copy of the room's record and latest values."""

    code: str
    record: Json
    conns: set[Conn] = field(default_factory=set)
    values: dict[str, Json] = field(default_factory=dict)
    active: bool = False  # a message arrived since the last heartbeat
    shown_present: int | None = None  # the last count sent to the teachers

    def teachers(self) -> list[Conn]:
        return [conn for conn in self.conns if conn.role == "teacher"]

    def students(self) -> list[Conn]:
        return [conn for conn in self.conns if conn.role == "student"]

    def student_ids(self) -> set[str]:
        return {conn.student for conn in self.conns if conn.student is not None}


class Hub:
    def __init__(self, broker: Broker, settings: Settings, clock: Callable[[], float] = time.time) -> None:
        self.broker = broker
        self.settings = settings
        self.clock = clock  # wall-clock seconds, for presence (shared by every process with Redis)
        self.rooms: dict[str, Room] = {}
        self.exercises: dict[str, ex.Exercise] = {}  # question id -> exercise, to judge answers
        self.down = False
        self._beating: asyncio.Task[None] | None = None
        broker.on_message = self.on_message
        broker.on_status = self.on_status

    # --- life ----------------------------------------------------------------------------------
    async def start(self) -> None:
        await self.broker.start()

    def beat_soon(self) -> None:
        """Start the heartbeat on the running loop, once."""
        if self._beating is None or self._beating.done():
            self._beating = asyncio.create_task(self._heartbeat())

    async def close(self) -> None:
        if self._beating is not None:
            self._beating.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._beating
        await self.broker.close()

    async def _heartbeat(self) -> None:
        while True:
            await asyncio.sleep(self.settings.presence_window_s / 3)
            try:
                await self.beat()
            except Exception:  # a beat that fails is tried again at the next
                log.exception("classroom heartbeat failed")

    async def beat(self) -> None:
        """Mark this process's students present, touch rooms that had messages, tell teachers when the
        count changed, and close the connections of rooms that no longer exist."""
        now = self.clock()
        for room in list(self.rooms.values()):
            try:
                if room.active:
                    room.active = False
                    await self.broker.touch(room.code, idle_s=self.settings.classroom_idle_s)
                if await self.broker.get_room(room.code) is None:
                    self._expire(room)
                    continue
                await self.broker.mark_present(room.code, room.student_ids(), now=now)
                if room.teachers():
                    present = await self._present(room.code)
                    if present != room.shown_present:
                        self._to_teachers(room, {"type": "presence", "present": present})
            except BrokerDown:
                return

    def _expire(self, room: Room) -> None:
        for conn in room.conns:
            conn.refuse(no_room(room.code), NO_ROOM, "no such room")
        self.rooms.pop(room.code, None)

    # --- connections -----------------------------------------------------------------------------
    async def serve(self, ws: WebSocket, code_text: str, key: str | None, student_text: str | None) -> None:
        """The whole life of one connection: admit or refuse, greet, listen, leave."""
        await ws.accept()
        self.beat_soon()
        conn = Conn(ws, "student", "", None, TokenBucket(self.settings.classroom_rate, self.settings.classroom_burst))
        conn.start()
        room: Room | None = None
        try:
            try:
                room = await self._admit(conn, code_text, key, student_text)
                if room is not None:
                    await self._greet(room, conn)
            except BrokerDown:
                conn.refuse(STORE_DOWN_MESSAGE, STORE_DOWN, "the shared store cannot be reached")
            if room is not None and not conn.closing:
                await self._listen(room, conn)
        finally:
            if room is not None:
                await self._leave(room, conn)
            await conn.finish(CLOSE_WAIT if conn.closing else 0)

    async def _admit(self, conn: Conn, code_text: str, key: str | None, student_text: str | None) -> Room | None:
        try:
            code = codes.read_code(code_text)
        except ParamError as err:
            conn.refuse(str(err), NO_ROOM, "no such room")
            return None
        record = await self.broker.get_room(code)
        if record is None:
            conn.refuse(no_room(code), NO_ROOM, "no such room")
            return None
        conn.code = code
        if key is not None:
            if not codes.key_matches(key, record["key_sha256"]):
                what = Described(f"a key that is not the teacher key of room {code}")
                message = str(ParamError("key", what, "must be the teacher_key that POST /api/classroom answered"))
                conn.refuse(message, WRONG_KEY, "wrong teacher key")
                return None
            conn.role = "teacher"
        else:
            try:
                conn.student = codes.new_student() if student_text is None else codes.read_student(student_text)
            except ParamError as err:
                conn.refuse(str(err), BAD_STUDENT, "bad student id")
                return None
            if not await self._has_room_for(code, conn.student):
                cap = self.settings.max_students
                message = (
                    f"students: got {cap} of {cap} in room {code}; "
                    f"a room takes at most {cap} students (the cap in settings: CONVSCOPE_MAX_STUDENTS)"
                )
                conn.refuse(message, FULL, f"room full: {cap} students (CONVSCOPE_MAX_STUDENTS)")
                return None
        room = self.rooms.get(code)
        if room is None:
            room = self.rooms[code] = Room(code, record)
            await self.broker.subscribe(code)
        room.conns.add(conn)
        if conn.student is not None:
            await self.broker.mark_present(code, [conn.student], now=self.clock())
        await self.broker.touch(code, idle_s=self.settings.classroom_idle_s)
        return room

    async def _has_room_for(self, code: str, student: str) -> bool:
        room = self.rooms.get(code)
        if room is not None and student in room.student_ids():
            return True  # the same student on a second socket is counted once
        return await self._present(code) < self.settings.max_students

    async def _present(self, code: str) -> int:
        return await self.broker.present(code, now=self.clock(), window_s=self.settings.presence_window_s)

    async def _greet(self, room: Room, conn: Conn) -> None:
        """``welcome``, then the latest values (docs/CLASSROOM.md, "On connecting")."""
        code = room.code
        welcome: Json = {"type": "welcome", "role": conn.role, "code": code, "rate": self.settings.classroom_rate}
        if conn.student is not None:
            welcome["student"] = conn.student
        welcome["present"] = await self._present(code)
        if conn.role == "teacher":
            room.shown_present = welcome["present"]
        conn.send(encode(welcome))
        state = await self.broker.get(code, "state")
        question = await self.broker.get(code, "question")
        revealed = await self.broker.get(code, "reveal") if question else None
        for name, value in (("state", state), ("question", question), ("reveal", revealed)):
            if value is not None:
                room.values[name] = value
        if state is not None:
            conn.send(encode({"type": "state", "state": state}))
        if question is not None:
            conn.send(encode({"type": "question", "question": question}))
            answers = await self.broker.answers(code)
            if conn.student is not None:
                mine = answers.get(conn.student)
                if mine is not None and mine.get("question") == question["id"]:
                    conn.send(encode({"type": "answered", "question": question["id"], "answer": mine["answer"]}))
            else:
                conn.send(encode({"type": "tally", **tally(question["id"], answers, welcome["present"])}))
            if revealed is not None:
                conn.send(encode(self._reveal_for(conn, revealed, answers)))
        conn.greeted()
        if conn.role == "student":
            await self.broker.publish(code, {"type": "_presence"})

    async def _listen(self, room: Room, conn: Conn) -> None:
        cap = self.settings.classroom_max_message
        while True:
            event = await conn.ws.receive()
            if event["type"] == "websocket.disconnect" or conn.closing:
                return
            if not conn.bucket.take():
                self._flooded(conn)
                return
            raw = event.get("text")
            if raw is None:
                raw = event.get("bytes") or b""
            room.active = True
            try:
                await self._act(room, conn, parse(raw, conn.role, cap))
            except ParamError as err:
                conn.send(encode({"type": "error", "message": str(err)}))
            except BrokerDown:
                conn.send(encode({"type": "error", "message": NOT_SENT}))
            except Exception:  # a bug: said in words, logged, and the connection lives on
                log.exception("classroom message failed")
                conn.send(encode({"type": "error", "message": INTERNAL}))

    def _flooded(self, conn: Conn) -> None:
        rate, burst = f"{self.settings.classroom_rate:g}", self.settings.classroom_burst
        message = (
            f"messages: got more than {burst} at once or {rate} a second; a connection may send at most "
            f"{rate} a second and {burst} at once (the caps in settings: CONVSCOPE_CLASSROOM_RATE, "
            "CONVSCOPE_CLASSROOM_BURST)"
        )
        why = f"flooding: over {rate} messages a second or {burst} at once (CONVSCOPE_CLASSROOM_RATE, _BURST)"
        conn.refuse(message, FLOOD, why)

    async def _leave(self, room: Room, conn: Conn) -> None:
        room.conns.discard(conn)
        try:
            if conn.student is not None and conn.student not in room.student_ids():
                await self.broker.mark_gone(room.code, conn.student)
                if self.rooms.get(room.code) is room:
                    await self.broker.publish(room.code, {"type": "_presence"})
            if not room.conns and self.rooms.get(room.code) is room:
                del self.rooms[room.code]
                await self.broker.unsubscribe(room.code)
                if room.code in self.rooms:  # someone joined while it was unsubscribing
                    await self.broker.subscribe(room.code)
        except BrokerDown:
            pass

    # --- what the teacher and the students send ------------------------------------------------
    async def _act(self, room: Room, conn: Conn, message: Message) -> None:
        code = room.code
        if isinstance(message, State):
            await self.broker.put(code, "state", message.state)
            await self.broker.publish(code, {"type": "state", "state": message.state})
        elif isinstance(message, Question):
            await self._ask(code, message.exercise)
        elif isinstance(message, Reveal):
            await self._reveal(code)
        elif isinstance(message, End):
            await self.broker.publish(code, {"type": "ended"})
            await self.broker.delete_room(code)
        elif isinstance(message, Answer):
            await self._answer(code, conn, message.answer)

    async def _ask(self, code: str, exercise: ex.Exercise) -> None:
        question = {**exercise.public(), "id": secrets.token_hex(4)}
        self._keep(question["id"], exercise)
        await self.broker.clear_answers(code)
        await self.broker.put(code, "reveal", None)
        await self.broker.put(code, "question", question)
        await self.broker.publish(code, {"type": "question", "question": question})
        await self.broker.publish(code, {"type": "_answers"})

    def _keep(self, question_id: str, exercise: ex.Exercise) -> None:
        self.exercises[question_id] = exercise
        while len(self.exercises) > EXERCISES_KEPT:
            del self.exercises[next(iter(self.exercises))]

    def _exercise(self, question: Json) -> ex.Exercise:
        """The exercise of a question, made again from its kind, seed and params if another process asked it."""
        exercise = self.exercises.get(question["id"])
        if exercise is None:
            exercise = ex.make(question["kind"], question["seed"], question["params"])
            self._keep(question["id"], exercise)
        return exercise

    async def _reveal(self, code: str) -> None:
        question = await self.broker.get(code, "question")
        if question is None:
            raise ParamError("type", "reveal", "there is no open question to reveal: send a 'question' first")
        exercise = self._exercise(question)
        counts = tally(question["id"], await self.broker.answers(code), await self._present(code))
        revealed = {**counts, "expected": exercise.expected, "explanation": exercise.explanation}
        await self.broker.put(code, "reveal", revealed)
        await self.broker.publish(code, {"type": "reveal", **revealed})

    async def _answer(self, code: str, conn: Conn, answer: Any) -> None:
        assert conn.student is not None
        question = await self.broker.get(code, "question")
        if question is None:
            raise ParamError("answer", answer, "there is no open question to answer")
        if await self.broker.get(code, "reveal") is not None:
            raise ParamError("answer", answer, "answers are closed: the teacher has revealed this question's answer")
        exercise = self._exercise(question)
        verdict = ex.judge(exercise, answer)  # ParamError: an answer of the wrong form
        read = ex.read_answer(exercise, answer)
        value = {"question": question["id"], "answer": read, "correct": verdict.correct}
        await self.broker.set_answer(code, conn.student, value)
        conn.send(encode({"type": "answered", "question": question["id"], "answer": read}))
        await self.broker.publish(code, {"type": "_answers"})

    # --- what the broker fans out ----------------------------------------------------------------
    async def on_message(self, code: str, message: Json) -> None:
        room = self.rooms.get(code)
        if room is None:
            return
        try:
            await self._deliver(room, message)
        except BrokerDown:
            pass

    async def _deliver(self, room: Room, message: Json) -> None:
        kind = message.get("type")
        if kind == "state":
            room.values["state"] = message["state"]
            self._to(room.students(), message)
        elif kind == "question":
            room.values["question"] = message["question"]
            room.values.pop("reveal", None)
            self._to(room.conns, message)
        elif kind == "reveal":
            revealed = {name: value for name, value in message.items() if name != "type"}
            room.values["reveal"] = revealed
            answers = await self.broker.answers(room.code)
            for conn in list(room.conns):
                conn.fan(encode(self._reveal_for(conn, revealed, answers)))
        elif kind == "ended":
            self.rooms.pop(room.code, None)
            for conn in list(room.conns):
                conn.fan(encode({"type": "ended"}))
                conn.close(ENDED, "the teacher ended the class")
        elif kind == "_presence" and room.teachers():
            self._to_teachers(room, {"type": "presence", "present": await self._present(room.code)})
        elif kind == "_answers" and room.teachers():
            question = await self.broker.get(room.code, "question")
            if question is not None:
                counts = tally(question["id"], await self.broker.answers(room.code), await self._present(room.code))
                self._to(room.teachers(), {"type": "tally", **counts})

    def _to(self, conns: Any, message: Json) -> None:
        text = encode(message)
        for conn in list(conns):
            conn.fan(text)

    def _to_teachers(self, room: Room, message: Json) -> None:
        if message["type"] == "presence":
            room.shown_present = message["present"]
        self._to(room.teachers(), message)

    def _reveal_for(self, conn: Conn, revealed: Json, answers: dict[str, Json]) -> Json:
        """The reveal as one connection gets it: a student's carries their own answer and verdict."""
        message = {"type": "reveal", **revealed}
        if conn.student is not None:
            mine = answers.get(conn.student)
            if mine is not None and mine.get("question") != revealed["question"]:
                mine = None
            message["answer"] = mine["answer"] if mine else None
            message["correct"] = mine["correct"] if mine else None
        return message

    # --- the shared store goes away and comes back -------------------------------------------------
    async def on_status(self, up: bool) -> None:
        if not up:
            self.down = True
            self._to([conn for room in self.rooms.values() for conn in room.conns], _status("reconnecting"))
            return
        self.down = False
        idle = self.settings.classroom_idle_s
        for room in list(self.rooms.values()):
            try:
                await self.broker.restore(room.code, room.record, dict(room.values), idle_s=idle)
                await self.broker.subscribe(room.code)
                await self.broker.mark_present(room.code, room.student_ids(), now=self.clock())
            except BrokerDown:
                self.down = True
                return
            if "state" in room.values:
                self._to(room.students(), {"type": "state", "state": room.values["state"]})
            self._to(room.conns, _status("live"))


def _status(status: str) -> Json:
    return {"type": "status", "status": status}
