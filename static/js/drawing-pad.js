// The drawn signature: a pad for a finger, a mouse or a pen (pointer events), written as a PNG
// data URL into the form's hidden "drawing" input. The pad is shown only when this script runs;
// without it, or for keyboard and screen-reader users, the typed name is the signature.
document.addEventListener("DOMContentLoaded", () => {
  for (const pad of document.querySelectorAll("[data-drawing-pad]")) {
    const form = pad.closest("form");
    const input = form && form.querySelector("input[name='drawing']");
    const canvas = pad.querySelector("canvas");
    const clear = pad.querySelector("[data-drawing-clear]");
    const context = canvas && canvas.getContext && canvas.getContext("2d");
    if (!input || !context) {
      continue;
    }
    pad.hidden = false;
    context.lineWidth = 3;
    context.lineCap = "round";
    context.lineJoin = "round";
    context.strokeStyle = "#1b2430";
    let last = null;
    let drawn = false;

    // The form came back with an error: what was drawn is still there, shown again.
    if (input.value.startsWith("data:image/png;base64,")) {
      const image = new Image();
      image.addEventListener("load", () => context.drawImage(image, 0, 0));
      image.src = input.value;
      drawn = true;
    }

    const point = (event) => {
      const box = canvas.getBoundingClientRect();
      return {
        x: ((event.clientX - box.left) * canvas.width) / box.width,
        y: ((event.clientY - box.top) * canvas.height) / box.height,
      };
    };
    const save = () => {
      if (drawn) {
        input.value = canvas.toDataURL("image/png");
      }
    };

    canvas.addEventListener("pointerdown", (event) => {
      event.preventDefault();
      canvas.setPointerCapture(event.pointerId);
      last = point(event);
      context.beginPath();
      context.arc(last.x, last.y, context.lineWidth / 2, 0, 2 * Math.PI);
      context.fillStyle = context.strokeStyle;
      context.fill();
      drawn = true;
    });
    canvas.addEventListener("pointermove", (event) => {
      if (!last) {
        return;
      }
      const next = point(event);
      context.beginPath();
      context.moveTo(last.x, last.y);
      context.lineTo(next.x, next.y);
      context.stroke();
      last = next;
    });
    const stop = () => {
      if (last) {
        last = null;
        save();
      }
    };
    canvas.addEventListener("pointerup", stop);
    canvas.addEventListener("pointercancel", stop);
    canvas.addEventListener("lostpointercapture", stop);

    clear.addEventListener("click", () => {
      context.clearRect(0, 0, canvas.width, canvas.height);
      input.value = "";
      drawn = false;
    });
  }
});
