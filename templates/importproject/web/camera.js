// The camera: a live preview in a <video>, a frame taken as a canvas, and
// the stream stopped afterwards so the camera light goes off.

// hasCamera: the browser offers getUserMedia here (it needs a secure
// context: https or localhost).
export function hasCamera() {
  return !!navigator.mediaDevices?.getUserMedia;
}

// startCamera asks for the camera (the back one on phones) and shows it in
// video. It resolves once frames arrive.
export async function startCamera(video) {
  const stream = await navigator.mediaDevices.getUserMedia({
    video: { facingMode: 'environment', width: { ideal: 1280 }, height: { ideal: 1280 } },
    audio: false,
  });
  video.srcObject = stream;
  await video.play();
}

// takePhoto copies the video's current frame into a new canvas.
export function takePhoto(video) {
  const canvas = document.createElement('canvas');
  canvas.width = video.videoWidth;
  canvas.height = video.videoHeight;
  canvas.getContext('2d').drawImage(video, 0, 0);
  return canvas;
}

// stopCamera ends every track of the video's stream.
export function stopCamera(video) {
  const stream = video.srcObject;
  if (stream) stream.getTracks().forEach((t) => t.stop());
  video.srcObject = null;
}
