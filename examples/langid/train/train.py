#!/usr/bin/python3
"""Train the language-identification model of examples/langid and export it.

Run with Debian's python3-torch (CPU) and the word lists below installed
(apt-get install wamerican wngerman wfrench wspanish wpolish wswedish
wukrainian):

    /usr/bin/python3 examples/langid/train/train.py

It reads /usr/share/dict/<list> for each language, keeps lowercase (NFC)
words of 2 to 24 letters that occur in exactly one of the lists, shuffles
them with a fixed seed and takes TRAIN_PER_LANG words per language for
training and TEST_PER_LANG other words for the held-out test. It trains a
character-level transformer encoder and writes, into examples/langid/:

    train/langid.onnx     the model, ONNX opset 17: input_ids int64 [1,24],
                          attention_mask int64 [1,24] (1 = character,
                          0 = pad), output logits float32 [1,L]
    train/vocab.json      {"max_len":24,"pad":0,"unk":1,"chars":[...]}: id
                          of chars[i] is i+2
    train/languages.json  [{"code":"en","name":"English","list":...},...]
                          in logit order
    testdata/heldout.txt  "code<TAB>word" lines, TEST_PER_LANG per language
    train/accuracy.json   torch's accuracy on the held-out words

The committed model is made in two stages: `train.py` trains a model of
all of LANGUAGES from scratch (TRAIN_PER_LANG words per language, EPOCHS
epochs); `train.py --refine` then starts from the weights of
train/langid.onnx and the vocabulary of train/vocab.json, keeps the
languages of REFINE_LANGUAGES (the rows of the other languages leave the
output layer, their words the training and held-out sets), and trains
REFINE_EPOCHS more epochs (0: none) on REFINE_TRAIN_PER_LANG words per
language (the first TRAIN_PER_LANG of them the same words), batching words
of similar length together. The held-out words are the first stage's,
never trained on in either stage.

Everything is seeded and the number of epochs is fixed, so a rerun on the
same machine gives the same model (torch's CPU kernels may differ in the last
bits between machines and thread counts).
"""

import json
import os
import random
import sys
import time
import unicodedata

import torch
import torch.nn as nn

HERE = os.path.dirname(os.path.abspath(__file__))
EXAMPLE = os.path.dirname(HERE)

# code, English name, Debian package, file in /usr/share/dict, its encoding
LANGUAGES = [
    ("en", "English", "wamerican", "american-english", "utf-8"),
    ("de", "German", "wngerman", "ngerman", "utf-8"),
    ("fr", "French", "wfrench", "french", "utf-8"),
    ("es", "Spanish", "wspanish", "spanish", "utf-8"),
    ("pl", "Polish", "wpolish", "polish", "utf-8"),
    ("sv", "Swedish", "wswedish", "swedish", "iso-8859-1"),
    ("uk", "Ukrainian", "wukrainian", "ukrainian", "utf-8"),
]
MAX_LEN = 24
MIN_LEN = 2
TRAIN_PER_LANG = 6000
TEST_PER_LANG = 200
MIN_CHAR_COUNT = 3  # rarer characters map to unk
MAX_LINES = 300000  # longer lists are read every k-th line, to read them fast
SEED = 14
D_MODEL = 64
HEADS = 2
LAYERS = 2
FF = 128
EPOCHS = 4
BATCH = 128
LR = 3e-3
# --refine (the second stage)
REFINE_LANGUAGES = ("de", "fr", "es", "pl", "sv", "uk")  # English left out: see README
REFINE_TRAIN_PER_LANG = 6000
REFINE_EPOCHS = 0
REFINE_LR = 5e-4
BUCKET = 16  # batches per length-sorted chunk


def clean(word):
    w = unicodedata.normalize("NFC", word.strip()).lower()
    if not (MIN_LEN <= len(w) <= MAX_LEN):
        return None
    if not all(c.isalpha() for c in w):
        return None  # apostrophes, hyphens, digits, dots
    return w


def read_lists():
    words = {}
    for code, _, pkg, fname, enc in LANGUAGES:
        path = os.path.join("/usr/share/dict", fname)
        if not os.path.exists(path):
            sys.exit(f"{path} is missing: apt-get install {pkg}")
        with open(path, encoding=enc, errors="strict") as f:
            lines = f.readlines()
        k = (len(lines) + MAX_LINES - 1) // MAX_LINES
        words[code] = sorted({w for w in (clean(l) for l in lines[::k]) if w})
    seen = {}
    for code, ws in words.items():
        for w in ws:
            seen[w] = seen.get(w, 0) + 1
    return {code: [w for w in ws if seen[w] == 1] for code, ws in words.items()}


def split(words, per_lang):
    rng = random.Random(SEED)
    train, test = [], []
    for li, (code, *_rest) in enumerate(LANGUAGES):
        ws = list(words[code])
        rng.shuffle(ws)
        need = per_lang + TEST_PER_LANG
        if len(ws) < need:
            sys.exit(f"{code}: {len(ws)} words, need {need}")
        test += [(w, li) for w in ws[:TEST_PER_LANG]]
        train += [(w, li) for w in ws[TEST_PER_LANG:need]]
    return train, test


def make_vocab(train):
    counts = {}
    for w, _ in train:
        for c in w:
            counts[c] = counts.get(c, 0) + 1
    return sorted(c for c, n in counts.items() if n >= MIN_CHAR_COUNT)


def encode(words, index):
    ids = torch.zeros(len(words), MAX_LEN, dtype=torch.int64)
    mask = torch.zeros(len(words), MAX_LEN, dtype=torch.int64)
    for i, w in enumerate(words):
        for j, c in enumerate(w[:MAX_LEN]):
            ids[i, j] = index.get(c, 1)
            mask[i, j] = 1
    return ids, mask


class LangID(nn.Module):
    def __init__(self, vocab, langs):
        super().__init__()
        self.embed = nn.Embedding(vocab, D_MODEL, padding_idx=0)
        self.pos = nn.Parameter(torch.randn(1, MAX_LEN, D_MODEL) * 0.1)
        layer = nn.TransformerEncoderLayer(
            D_MODEL, HEADS, dim_feedforward=FF, dropout=0.1, activation="gelu", batch_first=True
        )
        # enable_nested_tensor=False: see testdata/onnx/torch/README.md.
        self.encoder = nn.TransformerEncoder(layer, LAYERS, enable_nested_tensor=False)
        self.fc = nn.Linear(D_MODEL, langs)

    def forward(self, input_ids, attention_mask):
        # The export takes all MAX_LEN positions; training may pass fewer.
        h = self.embed(input_ids) + self.pos[:, : input_ids.shape[1]]
        h = self.encoder(h, src_key_padding_mask=attention_mask == 0)
        w = attention_mask.unsqueeze(-1).to(h.dtype)
        pooled = (h * w).sum(dim=1) / w.sum(dim=1).clamp(min=1.0)
        return self.fc(pooled)


def batches(lengths, g):
    """Shuffled batches of words of similar length (--refine): chunks of
    BUCKET batches of shuffled words, each sorted by length and cut into
    batches, the batches in random order. A batch runs on its longest word,
    so this cuts the padding computed on."""
    perm = torch.randperm(len(lengths), generator=g)
    out = []
    chunk = BATCH * BUCKET
    for i in range(0, len(perm), chunk):
        c = perm[i : i + chunk]
        c = c[torch.sort(lengths[c], stable=True).indices]
        out += [c[j : j + BATCH] for j in range(0, len(c), BATCH)]
    return [out[k] for k in torch.randperm(len(out), generator=g)]


def load_onnx_weights(model, path):
    """Loads the weights of an exported langid.onnx back into model: the
    named initializers by name, the learned positions (the export's only
    1x24x64 initializer) and the attention and feed-forward matrices (the
    export's unnamed MatMul weights, transposed, in layer order)."""
    import onnx
    from onnx import numpy_helper

    init = {t.name: torch.from_numpy(numpy_helper.to_array(t).copy()) for t in onnx.load(path).graph.initializer}
    state = model.state_dict()
    matmuls = sorted((n for n in init if n.startswith("onnx::MatMul_")), key=lambda n: int(n.split("_")[-1]))
    for i in range(LAYERS):
        for j, name in enumerate(["self_attn.in_proj_weight", "linear1.weight", "linear2.weight"]):
            init[f"encoder.layers.{i}.{name}"] = init[matmuls[3 * i + j]].t().contiguous()
    (pos,) = [n for n in init if n.startswith("onnx::Add_") and list(init[n].shape) == [1, MAX_LEN, D_MODEL]]
    init["pos"] = init[pos]
    for k in state:
        if k not in init or init[k].shape != state[k].shape:
            sys.exit(f"{path}: no weight for {k} {list(state[k].shape)}")
        state[k] = init[k]
    model.load_state_dict(state)


def accuracy(model, ids, mask, labels):
    model.eval()
    correct = 0
    # Grad stays enabled, as in the export's trace (the fused no_grad path
    # of nn.TransformerEncoder is not what the ONNX file computes).
    for i in range(0, len(labels), 512):
        with torch.enable_grad():
            out = model(ids[i : i + 512], mask[i : i + 512]).detach()
        correct += int((out.argmax(1) == labels[i : i + 512]).sum())
    model.train()
    return correct / len(labels), correct


def main():
    torch.manual_seed(SEED)
    # One thread: on a shared machine OpenMP's barriers make two threads
    # slower than one for a model this small.
    torch.set_num_threads(1)
    words = read_lists()
    for code, ws in words.items():
        print(f"{code}: {len(ws)} usable words", flush=True)
    refine = sys.argv[1:] == ["--refine"]
    if sys.argv[1:] and not refine:
        sys.exit("usage: train.py [--refine]")
    train, test = split(words, REFINE_TRAIN_PER_LANG if refine else TRAIN_PER_LANG)
    langs = LANGUAGES
    if refine:
        with open(os.path.join(HERE, "vocab.json"), encoding="utf-8") as f:
            chars = json.load(f)["chars"]
        keep = [i for i, l in enumerate(LANGUAGES) if l[0] in REFINE_LANGUAGES]
        langs = [LANGUAGES[i] for i in keep]
        relabel = {old: new for new, old in enumerate(keep)}
        train = [(w, relabel[l]) for w, l in train if l in relabel]
        test = [(w, relabel[l]) for w, l in test if l in relabel]
    else:
        chars = make_vocab(train)
    index = {c: i + 2 for i, c in enumerate(chars)}
    print(f"vocabulary: {len(chars)} characters + pad + unk; {len(langs)} languages", flush=True)

    tr_ids, tr_mask = encode([w for w, _ in train], index)
    tr_y = torch.tensor([l for _, l in train])
    te_ids, te_mask = encode([w for w, _ in test], index)
    te_y = torch.tensor([l for _, l in test])

    model = LangID(len(chars) + 2, len(LANGUAGES))
    epochs, lr = EPOCHS, LR
    if refine:
        load_onnx_weights(model, os.path.join(HERE, "langid.onnx"))
        fc = nn.Linear(D_MODEL, len(langs))
        with torch.no_grad():
            fc.weight.copy_(model.fc.weight[keep])
            fc.bias.copy_(model.fc.bias[keep])
        model.fc = fc
        acc, _ = accuracy(model, te_ids, te_mask, te_y)
        print(f"train/langid.onnx without {[l[0] for l in LANGUAGES if l not in langs]}: held-out {acc:.4f}", flush=True)
        epochs, lr = REFINE_EPOCHS, REFINE_LR
    lossf = nn.CrossEntropyLoss()
    g = torch.Generator().manual_seed(SEED + refine)
    start = time.time()
    lengths = tr_mask.sum(1)
    if epochs > 0:
        opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=0.01)
        steps = epochs * ((len(train) + BATCH - 1) // BATCH)
        sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=lr, total_steps=steps, pct_start=0.1)
    for epoch in range(epochs):
        if refine:
            order = batches(lengths, g)
        else:
            perm = torch.randperm(len(train), generator=g)
            order = [perm[i : i + BATCH] for i in range(0, len(train), BATCH)]
        total = 0.0
        for step, b in enumerate(order):
            n = int(lengths[b].max())  # train on the batch's longest word, not all 24 positions
            opt.zero_grad()
            loss = lossf(model(tr_ids[b, :n], tr_mask[b, :n]), tr_y[b])
            loss.backward()
            opt.step()
            sched.step()
            total += float(loss) * len(b)
            if (step + 1) % 50 == 0:
                print(f"  epoch {epoch + 1} batch {step + 1}/{len(order)}, {time.time() - start:.0f}s", flush=True)
        acc, _ = accuracy(model, te_ids, te_mask, te_y)
        print(f"epoch {epoch + 1}: loss {total / len(train):.4f}, held-out {acc:.4f}, {time.time() - start:.0f}s", flush=True)

    acc, correct = accuracy(model, te_ids, te_mask, te_y)
    model.eval()  # accuracy() leaves the model in training mode (dropout)
    per_lang = {}
    with torch.enable_grad():
        pred = torch.cat([model(te_ids[i : i + 512], te_mask[i : i + 512]).detach().argmax(1) for i in range(0, len(test), 512)])
    for li, (code, *_r) in enumerate(langs):
        sel = te_y == li
        per_lang[code] = int((pred[sel] == li).sum())

    onnx_path = os.path.join(HERE, "langid.onnx")
    ex_ids, ex_mask = encode(["bonjour"], index)
    torch.onnx.export(
        model,
        (ex_ids, ex_mask),
        onnx_path,
        opset_version=17,
        input_names=["input_ids", "attention_mask"],
        output_names=["logits"],
        do_constant_folding=True,
    )
    with open(os.path.join(HERE, "vocab.json"), "w", encoding="utf-8") as f:
        json.dump({"max_len": MAX_LEN, "pad": 0, "unk": 1, "chars": chars}, f, ensure_ascii=False, indent=0)
        f.write("\n")
    with open(os.path.join(HERE, "languages.json"), "w", encoding="utf-8") as f:
        json.dump(
            [{"code": c, "name": n, "package": p, "list": "/usr/share/dict/" + fn} for c, n, p, fn, _ in langs],
            f,
            ensure_ascii=False,
            indent=1,
        )
        f.write("\n")
    os.makedirs(os.path.join(EXAMPLE, "testdata"), exist_ok=True)
    with open(os.path.join(EXAMPLE, "testdata", "heldout.txt"), "w", encoding="utf-8") as f:
        for w, li in test:
            f.write(f"{langs[li][0]}\t{w}\n")
    with open(os.path.join(HERE, "accuracy.json"), "w", encoding="utf-8") as f:
        json.dump(
            {
                "torch": torch.__version__,
                "words": len(test),
                "correct": correct,
                "accuracy": round(acc, 6),
                "per_language": per_lang,
                "train_words": len(train),
                "epochs": epochs,
                "stage": "refine" if refine else "scratch",
                **(
                    {"first_stage": {"languages": len(LANGUAGES), "train_words": TRAIN_PER_LANG * len(LANGUAGES), "epochs": EPOCHS}}
                    if refine
                    else {}
                ),
                "parameters": sum(p.numel() for p in model.parameters()),
            },
            f,
            indent=1,
        )
        f.write("\n")
    print(f"held-out accuracy {acc:.4f} ({correct}/{len(test)}); wrote {onnx_path}", flush=True)


if __name__ == "__main__":
    main()
