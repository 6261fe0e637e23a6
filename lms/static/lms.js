/* Progressive enhancement only: every page works without this file. Texts come from the page
   (data attributes), so they are translated with the rest of it. */
(function () {
  "use strict";

  // The header's menus (each a <details>): Escape and a click elsewhere close them.
  var MENUS = "details.lms-menu, details.lms-dropdown";
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    document.querySelectorAll(MENUS).forEach(function (menu) {
      if (!menu.open) return;
      menu.open = false;
      menu.querySelector("summary").focus();
    });
  });
  document.addEventListener("click", function (event) {
    var inside = event.target.closest(MENUS);
    document.querySelectorAll(MENUS).forEach(function (menu) {
      if (menu !== inside) menu.open = false;
    });
  });

  // A table or chart wider than its box scrolls inside it: let the keyboard reach and scroll it too.
  function labelOf(box) {
    var caption = box.querySelector("caption, svg > title");
    return caption ? caption.textContent.trim() : "";
  }
  function markScrollers() {
    document.querySelectorAll(".kern-table-responsive, .lms-scroll").forEach(function (box) {
      var scrolls = box.scrollWidth > box.clientWidth + 1;
      if (scrolls && !box.hasAttribute("tabindex")) {
        box.setAttribute("tabindex", "0");
        box.dataset.lmsScroller = "1";
        var label = labelOf(box);
        if (label && !box.hasAttribute("role")) {
          box.setAttribute("role", "region");
          box.setAttribute("aria-label", label);
        }
      } else if (!scrolls && box.dataset.lmsScroller) {
        box.removeAttribute("tabindex");
        if (box.getAttribute("role") === "region") {
          box.removeAttribute("role");
          box.removeAttribute("aria-label");
        }
        delete box.dataset.lmsScroller;
      }
    });
  }
  markScrollers();
  var resizing;
  window.addEventListener("resize", function () {
    clearTimeout(resizing);
    resizing = setTimeout(markScrollers, 150);
  });

  // Filters stay open on wide screens; browsers without ::details-content need the open attribute.
  var styledDisclosure = window.CSS && CSS.supports && CSS.supports("selector(::details-content)");
  if (!styledDisclosure && window.matchMedia("(min-width: 48rem)").matches) {
    document.querySelectorAll("details.lms-filter-disclosure").forEach(function (details) {
      details.open = true;
    });
  }

  // A copy button beside a read-only address: <input data-lms-copy="Button text" data-lms-copied="Done">.
  function copy(input) {
    if (navigator.clipboard && window.isSecureContext) return navigator.clipboard.writeText(input.value);
    input.select();
    return document.execCommand("copy") ? Promise.resolve() : Promise.reject(new Error("copy refused"));
  }
  document.querySelectorAll("input[data-lms-copy]").forEach(function (input) {
    var row = document.createElement("div");
    row.className = "lms-copy";
    var button = document.createElement("button");
    button.type = "button";
    button.className = "kern-btn kern-btn--secondary";
    var label = document.createElement("span");
    label.className = "kern-label";
    label.textContent = input.dataset.lmsCopy;
    button.appendChild(label);
    var status = document.createElement("span");
    status.className = "kern-body kern-body--small";
    status.setAttribute("role", "status");
    button.addEventListener("click", function () {
      copy(input).then(function () {
        status.textContent = input.dataset.lmsCopied;
      }, function () {
        input.focus();
        input.select();
        status.textContent = input.dataset.lmsCopyFailed || "";
      });
    });
    row.appendChild(button);
    row.appendChild(status);
    input.insertAdjacentElement("afterend", row);
  });

  // Enter in a picker's search searches (its button), instead of the form's first button.
  document.addEventListener("keydown", function (event) {
    var input = event.target.closest && event.target.closest("input[data-lms-search-button]");
    if (!input || event.key !== "Enter" || event.isComposing) return;
    var button = document.getElementById(input.dataset.lmsSearchButton);
    if (!button) return;
    event.preventDefault();
    button.click();
  });
})();
