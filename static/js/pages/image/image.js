// The image page: one POST /api/images/convolve per change (FormData: a sample or the chosen file,
// the kernel, the lens position); the pictures are the PNGs the server drew, the numbers its numbers.
// `window.convscope` exposes {ready, response, requests} for tests.

import { ApiError, postJson } from "../../core/api.js";
import { readQuery, updateQuery } from "../../core/state.js";
import { showCredit } from "../../widgets/credit.js";

const $ = (id) => document.getElementById(id);
const cells = [...document.querySelectorAll(".kernel-cell")];
const api = { ready: false, response: null, requests: 0 };
window.convscope = api;
let sequence = 0;
let useFile = false;

function presetText() {
  return $("kernel").selectedOptions[0].dataset.text;
}

function fillKernel(text) {
  const values = text.split(";").flatMap((row) => row.split(","));
  cells.forEach((cell, i) => {
    cell.value = values[i];
  });
  $("detects").textContent = $("kernel").selectedOptions[0].dataset.detects;
}

function kernelText() {
  return [0, 1, 2]
    .map((r) =>
      cells
        .slice(3 * r, 3 * r + 3)
        .map((c) => c.value.trim())
        .join(","),
    )
    .join(";");
}

function formData() {
  const data = new FormData();
  const file = $("file").files[0];
  if (useFile && file) data.append("file", file);
  else data.append("sample", $("sample").value);
  const text = kernelText();
  if (text === presetText()) data.append("kernel", $("kernel").value);
  else data.append("custom", text);
  data.append("grayscale", $("grayscale").checked ? "true" : "false");
  data.append("pool", "true");
  data.append("x", $("zoom-x").value || "0");
  data.append("y", $("zoom-y").value || "0");
  data.append("size", $("zoom-size").value);
  return data;
}

// The settings in the URL (an uploaded file cannot be: the link then shows the sample).
function saveUrl() {
  const text = kernelText();
  updateQuery({
    sample: $("sample").value,
    kernel: $("kernel").value,
    custom: text !== presetText() ? text : null,
    grayscale: $("grayscale").checked ? null : "false",
    x: $("zoom-x").value || "0",
    y: $("zoom-y").value || "0",
    size: $("zoom-size").value,
  });
}

function restoreFromUrl() {
  const q = readQuery();
  const pick = (select, value) => {
    if (value !== null && [...select.options].some((o) => o.value === value)) select.value = value;
  };
  pick($("sample"), q.get("sample"));
  pick($("kernel"), q.get("kernel"));
  fillKernel(presetText());
  const custom = (q.get("custom") || "").split(";").flatMap((row) => row.split(","));
  if (custom.length === 9)
    cells.forEach((cell, i) => {
      cell.value = custom[i];
    });
  if (q.get("grayscale") === "false") $("grayscale").checked = false;
  for (const [name, id] of [
    ["x", "zoom-x"],
    ["y", "zoom-y"],
  ]) {
    const text = (q.get(name) || "").trim(); // a number field takes digits only: anything else logs a warning
    if (/^\d{1,9}$/.test(text)) $(id).value = text;
  }
  pick($("zoom-size"), q.get("size"));
}

const fmt = (x) => Number(x.toFixed(2)).toString();

function show(body) {
  $("input-img").src = `data:image/png;base64,${body.input_png}`;
  $("feature-img").src = `data:image/png;base64,${body.png}`;
  $("relu-img").src = `data:image/png;base64,${body.relu.png}`;
  if (body.pool) $("pool-img").src = `data:image/png;base64,${body.pool.png}`;
  else $("pool-img").removeAttribute("src");
  const [c, h, w] = body.shape;
  $("input-shape").textContent = `${w}x${h}, ${c} channel${c > 1 ? "s" : ""}`;
  showCredit($("credit"), body.credit);
  $("feature-range").textContent = `from ${fmt(body.feature_map.min)} to ${fmt(body.feature_map.max)}`;
  $("pool-shape").textContent = body.pool ? `${body.pool.shape[1]}x${body.pool.shape[0]}` : "";
  $("zoom-x").max = String(w - 1);
  $("zoom-y").max = String(h - 1);
  const region = body.region;
  $("zoom-link").href = region.url;
  $("zoom-text").textContent =
    `rows ${region.top}-${region.top + region.size - 1}, columns ${region.left}-${region.left + region.size - 1}` +
    ` of the grey image:\n` +
    region.input
      .split(";")
      .map((row) =>
        row
          .split(",")
          .map((v) => v.padStart(6))
          .join(""),
      )
      .join("\n") +
    `\n\nkernel: ${region.weight}`;
}

async function apply() {
  const mine = ++sequence;
  saveUrl();
  api.ready = false;
  $("status").textContent = "Convolving…";
  let body;
  try {
    body = await postJson("/api/images/convolve", formData());
  } catch (err) {
    if (mine !== sequence) return;
    const answered = err instanceof ApiError; // the server refused in words; else it was not reached
    if (answered) api.requests += 1;
    $("error").textContent = answered ? err.message : `The server could not be reached: ${err.message}`;
    $("error").hidden = false;
    $("status").textContent = "";
    if (answered) api.ready = true;
    return;
  }
  if (mine !== sequence) return;
  api.requests += 1;
  $("error").hidden = true;
  api.response = body;
  show(body);
  $("status").textContent =
    `Kernel ${body.kernel.name} on ${body.source === "upload" ? "your image" : `the ${body.source} sample`}.`;
  api.ready = true;
}

$("kernel").addEventListener("change", () => {
  fillKernel(presetText());
  apply();
});
for (const cell of cells) cell.addEventListener("change", apply);
$("sample").addEventListener("change", () => {
  useFile = false;
  apply();
});
$("use-sample").addEventListener("click", () => {
  useFile = false;
  $("file").value = "";
  apply();
});
$("file").addEventListener("change", () => {
  useFile = $("file").files.length > 0;
  apply();
});
$("grayscale").addEventListener("change", apply);
for (const id of ["zoom-x", "zoom-y", "zoom-size"]) $(id).addEventListener("change", apply);
$("image-form").addEventListener("submit", (event) => {
  event.preventDefault();
  apply();
});
$("feature-img").addEventListener("click", (event) => {
  const img = event.currentTarget;
  if (!api.response) return;
  const [, h, w] = api.response.shape;
  const rect = img.getBoundingClientRect(); // border box: take the border off to get the picture's pixels
  const px = (event.clientX - rect.left - img.clientLeft) / img.clientWidth;
  const py = (event.clientY - rect.top - img.clientTop) / img.clientHeight;
  $("zoom-x").value = String(Math.max(0, Math.min(w - 1, Math.floor(px * w))));
  $("zoom-y").value = String(Math.max(0, Math.min(h - 1, Math.floor(py * h))));
  apply();
});

restoreFromUrl();
apply();
