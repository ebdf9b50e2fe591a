// Microphone capture on the audio thread: mono float samples → 16-bit little-endian PCM, posted to the page
// in 100 ms frames (the /ws/voice protocol takes any chunk size; 20-100 ms is typical).
class PcmCapture extends AudioWorkletProcessor {
  constructor() {
    super();
    this.frame = new Int16Array(Math.round(sampleRate / 10));
    this.filled = 0;
  }

  process(inputs) {
    const channel = inputs[0] && inputs[0][0];
    if (channel) {
      for (let i = 0; i < channel.length; i += 1) {
        const s = Math.max(-1, Math.min(1, channel[i]));
        this.frame[this.filled] = s < 0 ? s * 0x8000 : s * 0x7fff;
        this.filled += 1;
        if (this.filled === this.frame.length) {
          const out = this.frame.slice().buffer;
          this.port.postMessage(out, [out]);
          this.filled = 0;
        }
      }
    }
    return true;
  }
}

registerProcessor("pcm-capture", PcmCapture);
