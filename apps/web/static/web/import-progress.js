// While a worker checks or imports a file, its page reads itself again every few seconds and
// shows the new progress; once the work is over, the whole page is loaded again. Without
// this script the page offers a link that does the same.
const running = document.querySelector("[data-refresh]");
if (running) {
  const every = Number(running.dataset.refresh) * 1000;
  const poll = async () => {
    try {
      const response = await fetch(window.location.href, { credentials: "same-origin", headers: { Accept: "text/html" } });
      if (response.ok) {
        const page = new DOMParser().parseFromString(await response.text(), "text/html");
        const fresh = page.querySelector("[data-refresh]");
        if (!fresh) {
          window.location.reload();
          return;
        }
        running.replaceChildren(...fresh.childNodes);
      }
    } catch {
      // The next try may reach the server.
    }
    window.setTimeout(poll, every);
  };
  window.setTimeout(poll, every);
}
