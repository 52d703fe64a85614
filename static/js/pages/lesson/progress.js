// Which lessons are done, kept in localStorage under one key as a JSON list of slugs.
// Storage can be missing or full (private windows, quotas): reads then give an empty list
// and writes report false, so the page can say that progress is not being saved.

export const PROGRESS_KEY = "convscope.lessons.done";

export function doneSlugs() {
  try {
    const parsed = JSON.parse(window.localStorage.getItem(PROGRESS_KEY) ?? "[]");
    return Array.isArray(parsed) ? parsed.filter((slug) => typeof slug === "string") : [];
  } catch {
    return []; // unreadable or unavailable storage: nothing is marked done
  }
}

export function isDone(slug) {
  return doneSlugs().includes(slug);
}

function write(slugs) {
  try {
    window.localStorage.setItem(PROGRESS_KEY, JSON.stringify(slugs));
    return true;
  } catch {
    return false;
  }
}

/** Mark `slug` done (or not). Returns false when the browser would not store it. */
export function setDone(slug, done) {
  const others = doneSlugs().filter((s) => s !== slug);
  return write(done ? [...others, slug] : others);
}

export function resetProgress() {
  try {
    window.localStorage.removeItem(PROGRESS_KEY);
    return true;
  } catch {
    return false;
  }
}
