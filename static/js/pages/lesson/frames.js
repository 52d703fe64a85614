// Each embedded widget announces the height it needs ({source: "convscope", type:
// "convscope:height", height}); the lesson gives its iframe that height, so nothing
// is hidden below the fold inside a frame (the 1x1 depth view, for one).

const MIN = 240;
const MAX = 2000;

export function fitFramesToTheirWidgets(root) {
  const frames = [...root.querySelectorAll("iframe.widget-frame")];
  window.addEventListener("message", (event) => {
    const data = event.data;
    if (data?.source !== "convscope" || data.type !== "convscope:height") return;
    if (event.origin !== window.location.origin) return; // lessons embed their own widgets only
    const frame = frames.find((f) => f.contentWindow === event.source);
    const height = Number(data.height);
    if (!frame || !Number.isFinite(height)) return;
    frame.style.height = `${Math.round(Math.min(MAX, Math.max(MIN, height)))}px`;
  });
}
