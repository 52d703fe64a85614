// What a tab remembers of its class, in sessionStorage (this tab only, gone when it closes):
// the teacher's room {code, teacher_key, follow}, or the student's {code, student, exploring}.
// A tab is a teacher's or a student's, never both. Nothing here talks to the server.

const TEACHER = "convscope.classroom.teacher";
const STUDENT = "convscope.classroom.student";
const CODE = /^[A-Za-z]{6}$/; // docs/CLASSROOM.md: six letters, read case-insensitively
const STUDENT_ID = /^[A-Za-z0-9_-]{8,64}$/;

function read(key) {
  try {
    const value = JSON.parse(sessionStorage.getItem(key) ?? "null");
    return value && typeof value === "object" && !Array.isArray(value) ? value : null;
  } catch {
    return null; // storage off, or not ours
  }
}

function write(key, value) {
  try {
    if (value === null) sessionStorage.removeItem(key);
    else sessionStorage.setItem(key, JSON.stringify(value));
    return true;
  } catch {
    return false; // storage off or full: the class still works on this page
  }
}

/** A code as the rooms spell it (upper case), or null when it cannot be one. */
export function normalCode(text) {
  const code = String(text ?? "")
    .trim()
    .toUpperCase();
  return CODE.test(code) ? code : null;
}

export function teacherRoom() {
  const room = read(TEACHER);
  return room && normalCode(room.code) && typeof room.teacher_key === "string" ? room : null;
}

export function saveTeacherRoom(room) {
  return write(TEACHER, room);
}

export function studentRoom() {
  const room = read(STUDENT);
  return room && normalCode(room.code) && STUDENT_ID.test(room.student ?? "") ? room : null;
}

export function saveStudentRoom(room) {
  return write(STUDENT, room);
}

/** This tab's student id: made once (crypto.getRandomValues), then kept for every room it joins. */
export function studentId() {
  const kept = read(STUDENT)?.student;
  if (STUDENT_ID.test(kept ?? "")) return kept;
  const bytes = new Uint8Array(16);
  window.crypto.getRandomValues(bytes);
  return [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
}
