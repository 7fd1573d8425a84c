// The console's only script, served from /static/weimin.js so the Content-Security-Policy can forbid inline
// script. A form with data-confirm asks before it is sent (actions the village group will hear about).
document.addEventListener("submit", function (event) {
  var form = event.target;
  var question = form && form.getAttribute && form.getAttribute("data-confirm");
  if (question && !window.confirm(question)) {
    event.preventDefault();
  }
});
