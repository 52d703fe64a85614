// The live classroom on every page of the site (templates/base.html loads this module). It does
// nothing until a room is open in this tab: a teacher's room (the header's "Class" button
// creates one) or a student's (joined at /join). See docs/CLASSROOM.md.

import { studentRoom, teacherRoom } from "./session.js";

const toggle = document.getElementById("class-toggle");
let teacher = null;

async function startTeacher(room) {
  const { Teacher } = await import("./teacher.js");
  teacher = new Teacher(room, toggle);
  teacher.onFinish = () => {
    teacher = null;
  };
}

async function classClicked() {
  if (teacher) {
    teacher.togglePanel();
    return;
  }
  toggle.disabled = true;
  document.getElementById("class-panel")?.remove(); // the last class's "ended" note
  try {
    const { createRoom } = await import("./teacher.js");
    await startTeacher(await createRoom());
    teacher.followButton.focus();
  } catch (error) {
    const status = document.getElementById("present-status");
    if (status) status.textContent = `No class opened: ${error.message}`;
  } finally {
    toggle.disabled = false;
  }
}

async function boot() {
  if (window.location.pathname === "/join" || window.location.pathname.startsWith("/join/")) {
    if (toggle) toggle.hidden = true; // join.js runs the join pages
    return;
  }
  const asTeacher = teacherRoom();
  if (asTeacher) {
    await startTeacher(asTeacher);
  } else {
    const asStudent = studentRoom();
    if (asStudent) {
      if (toggle) toggle.hidden = true; // a student's tab does not open classes
      const { Student } = await import("./student.js");
      const student = new Student(asStudent);
      student.onLeave = () => {
        if (toggle) toggle.hidden = false;
      };
    }
  }
  toggle?.addEventListener("click", classClicked);
}

// After the page's own modules have run (the player's window.convscope): this module is in the
// <head>, so it runs first, while the document is already "interactive"; DOMContentLoaded comes
// after every deferred and module script.
if (document.readyState === "complete") boot();
else document.addEventListener("DOMContentLoaded", boot, { once: true });
