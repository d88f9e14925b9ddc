// When the session has expired, Dash's requests get 401: send the user to sign in
// again instead of leaving a page that silently stops updating.
(function () {
  const originalFetch = window.fetch;
  window.fetch = function (...args) {
    return originalFetch.apply(this, args).then(function (response) {
      const url = typeof args[0] === "string" ? args[0] : (args[0] && args[0].url) || "";
      if (response.status === 401 && url.indexOf("/_dash-") !== -1) {
        const next = encodeURIComponent(window.location.pathname + window.location.search);
        window.location.assign("/login?next=" + next);
      }
      return response;
    });
  };
})();
