// Audio worklet: hands the microphone's mono samples to the page in blocks of 2048.
"use strict";

const BLOCK = 2048;

class Capture extends AudioWorkletProcessor {
  constructor() {
    super();
    this.block = new Float32Array(BLOCK);
    this.used = 0;
  }

  process(inputs) {
    const channel = inputs[0] && inputs[0][0];
    if (!channel) {
      return true;
    }
    let offset = 0;
    while (offset < channel.length) {
      const n = Math.min(BLOCK - this.used, channel.length - offset);
      this.block.set(channel.subarray(offset, offset + n), this.used);
      this.used += n;
      offset += n;
      if (this.used === BLOCK) {
        this.port.postMessage(this.block, [this.block.buffer]);
        this.block = new Float32Array(BLOCK);
        this.used = 0;
      }
    }
    return true;
  }
}

registerProcessor("capture", Capture);
