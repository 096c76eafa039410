// drawQR paints text as a QR code (qrcode-generator, error correction M,
// a quiet zone of 4 modules) on canvas, cssSize CSS pixels wide at most,
// sharp at the screen's pixel ratio. The card's code and a visitor's pass
// are drawn with it.
import qrcode from '/assets/qrcode-generator.mjs';

export function drawQR(canvas, text, cssSize) {
  const ctx = canvas.getContext('2d');
  if (!text) {
    canvas.width = canvas.height = 1;
    ctx.clearRect(0, 0, 1, 1);
    return;
  }
  const qr = qrcode(0, 'M');
  qr.addData(text, 'Byte');
  qr.make();
  const n = qr.getModuleCount();
  const dpr = window.devicePixelRatio || 1;
  const cell = Math.max(2, Math.floor((cssSize * dpr) / (n + 8)));
  const size = cell * (n + 8);
  canvas.width = canvas.height = size;
  canvas.style.width = canvas.style.height = `${size / dpr}px`;
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, size, size);
  ctx.fillStyle = '#000';
  for (let r = 0; r < n; r++) {
    for (let c = 0; c < n; c++) if (qr.isDark(r, c)) ctx.fillRect((c + 4) * cell, (r + 4) * cell, cell, cell);
  }
}
