#!/bin/sh
# Remakes the test audio of the wakeword references: espeak-ng speaks each
# phrase, sox converts it to 16 kHz mono 16-bit PCM, applies the effects
# given, peak-normalises to -3 dBFS and pads with digital silence: 1.2 s
# before and 1.0 s after (the score peaks up to 0.5 s after the phrase
# ends). Deterministic: two
# runs write byte-identical files. Usage: sh testdata/onnx/wakeword/audio/make.sh
#
# espeak-ng says "mycroft" as "mick-roft", which openWakeWord's hey_mycroft
# model scores near 0 (kept as other_mick-roft_en-us_150.wav, a negative); spelled "hey, my croft" and made a little faster or
# higher with sox, it scores above 0.98 (README.md beside this folder).
set -eu
cd "$(dirname "$0")"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

say() { # NAME VOICE SPEED PITCH TEXT [SOX EFFECT...]
	name=$1 voice=$2 speed=$3 pitch=$4 text=$5
	shift 5
	espeak-ng -v "$voice" -s "$speed" -p "$pitch" -w "$tmp/raw.wav" "$text"
	# resample without dither (-D) in repeatable mode (-R), cut espeak-ng's
	# own leading and trailing silence, apply the effects, normalise
	sox -R -D "$tmp/raw.wav" -r 16000 -c 1 -b 16 -e signed-integer "$tmp/16k.wav" \
		silence 1 0.01 0.5% reverse silence 1 0.01 0.5% reverse "$@" norm -3
	sox -R -D "$tmp/16k.wav" "$name.wav" pad 19200s 16000s
}

say hey_mycroft_en-us-f2_150_tempo1.1 en-us+f2 150 60 "hey, my croft" tempo 1.1
say hey_mycroft_en-us-f2_150_tempo1.15_pitch150 en-us+f2 150 60 "hey, my croft" tempo 1.15 pitch 150
say hey_mycroft_en-us-klatt2_150_tempo1.1 en-us+klatt2 150 60 "hey, my croft" tempo 1.1
say hey_mycroft_en-us_165_pitch200 en-us 165 60 "hey, my croft" pitch 200
say alexa_en-us_150 en-us 150 50 "alexa"
say alexa_en-gb-f2_130 en-gb+f2 130 50 "alexa"
say other_weather_en-us_150 en-us 150 50 "the weather is nice today"
say other_weather_en-gb-f3_140 en-gb+f3 140 50 "the weather is nice today"
say other_mick-roft_en-us_150 en-us 150 50 "hey mycroft"
sox -R -D -r 16000 -n -c 1 -b 16 -e signed-integer silence.wav trim 0 48000s
