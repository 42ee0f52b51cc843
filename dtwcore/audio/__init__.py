"""Audio: DTW on speech.

* :mod:`~dtwcore.audio.features`: clips (decoding, checks, trimming), the feature kinds
  and the distance matrices between clips.
* :mod:`~dtwcore.audio.embedding`: the bundled speech-embedding model.
* :mod:`~dtwcore.audio.wake`: enrolling a wake word, testing clips, finding it in a recording.
* :mod:`~dtwcore.audio.listen`: the live trace of a microphone stream.
* :mod:`~dtwcore.audio.evaluate`: accuracy and false accepts on a folder of recordings.
"""
