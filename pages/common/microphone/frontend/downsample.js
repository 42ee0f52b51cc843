// Downsampling for the microphone component: a windowed-sinc (Blackman) low-pass at 0.9 of
// the new Nyquist frequency, evaluated where each output sample falls, so any pair of rates
// works and output sample n is the sound at input time n / outRate.
"use strict";

class Downsampler {
  constructor(inRate, outRate) {
    this.step = inRate / outRate;
    this.cutoff = 0.45 / this.step; // cycles per input sample: 0.9 of the new Nyquist
    this.half = Math.ceil(8 * this.step); // input samples on each side of an output
    this.history = new Float32Array(this.half);
    this.position = this.half; // where the next output falls in the history
  }

  kernel(d) {
    const x = 2 * this.cutoff * d;
    const sinc = x === 0 ? 1 : Math.sin(Math.PI * x) / (Math.PI * x);
    const r = (Math.PI * d) / this.half;
    const window = 0.42 + 0.5 * Math.cos(r) + 0.08 * Math.cos(2 * r);
    return 2 * this.cutoff * sinc * window;
  }

  // Samples at inRate in (a Float32Array, any length); the output samples now complete out.
  push(input) {
    const x = new Float32Array(this.history.length + input.length);
    x.set(this.history);
    x.set(input, this.history.length);
    const out = [];
    while (this.position + this.half < x.length) {
      let sum = 0;
      const hi = Math.floor(this.position + this.half);
      for (let j = Math.ceil(this.position - this.half); j <= hi; j++) {
        sum += x[j] * this.kernel(j - this.position);
      }
      out.push(sum);
      this.position += this.step;
    }
    const drop = Math.floor(this.position - this.half);
    this.history = x.slice(drop);
    this.position -= drop;
    return out;
  }
}
