// Drag-and-drop onto a file input's label; without JavaScript the plain input still works.
(function () {
  "use strict";
  function describe(zone, input) {
    var list = zone.querySelector("[data-dropzone-list]");
    if (!list) return;
    var names = Array.prototype.map.call(input.files, function (file) { return file.name; });
    list.textContent = names.length ? names.join(", ") : "";
  }
  document.querySelectorAll("[data-dropzone]").forEach(function (zone) {
    var input = zone.querySelector("input[type=file]");
    if (!input) return;
    ["dragenter", "dragover"].forEach(function (type) {
      zone.addEventListener(type, function (event) {
        event.preventDefault();
        zone.classList.add("dropzone--over");
      });
    });
    ["dragleave", "drop"].forEach(function (type) {
      zone.addEventListener(type, function () { zone.classList.remove("dropzone--over"); });
    });
    zone.addEventListener("drop", function (event) {
      event.preventDefault();
      if (!event.dataTransfer || !event.dataTransfer.files.length) return;
      var transfer = new DataTransfer();
      var files = input.multiple ? event.dataTransfer.files : [event.dataTransfer.files[0]];
      Array.prototype.forEach.call(files, function (file) { transfer.items.add(file); });
      input.files = transfer.files;
      describe(zone, input);
    });
    input.addEventListener("change", function () { describe(zone, input); });
  });
})();
