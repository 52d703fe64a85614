// The /join/{code} page (app/pages/classroom.py): the server has checked that the room exists;
// this joins it in this tab (static/js/classroom/student.js) and follows the teacher from here.
// The code field of /join works without script (a plain GET form).

import { joinRoom } from "../../classroom/student.js";

const room = document.getElementById("join-room");
if (room?.dataset.code) {
  const student = joinRoom(room.dataset.code);
  student.onLeave = () => {
    window.location.assign("/join");
  };
}
