// "Copy code": the clipboard where the browser allows it, else select the text for Ctrl+C.

export function copyButton(button, source, status) {
  button.addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText(source.textContent);
      status.textContent = "Copied.";
    } catch {
      window.getSelection().selectAllChildren(source);
      status.textContent = "Selected: press Ctrl+C to copy.";
    }
  });
}
