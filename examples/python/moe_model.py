#!/usr/bin/env python3
"""Loads a model exported by ``moe snapshot export`` into PyTorch and scores text as ``moe infer``.

    from moe_model import MoeStreamModel
    model = MoeStreamModel.load("models/alpha")        # manifest.json + model.safetensors
    print(model.score_text("public static void main")) # mean next-token loss in nats

The forward pass is the Java model's (operators/moe-core: model/CausalLm, model/Layers,
model/CausalSelfAttention, model/RoutedExperts, the routers in router/), in inference mode:

    x = wte[tokens] + wpe[positions]
    per layer:  x = x + attn(ln1(x));  x = x + moe(ln2(x))
    logits = ln_f(x) @ wte.T                     (tied head), loss = mean cross-entropy

Linear weights are stored (in, out): ``y = x @ W + b`` (an ``nn.Linear`` would want ``W.T``).
Parameter names are the file's tensor names, so ``load_state_dict`` takes the file as it is.
Routers: dynmoe (inference fallback: a token no expert claims takes the best active expert),
top-k, top-p, null-experts (AdaMoE), dense, and evomoe before its DTR stage; an evomoe model in
the DTR stage is refused (its hypernetwork router is not implemented here).
"""

import argparse
import hashlib
import json
import math
import os
import sys

import torch
import torch.nn.functional as F
from torch import nn

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import safetensors_reader  # noqa: E402

MANIFEST = "manifest.json"
TENSORS = "model.safetensors"
FORMAT = "moestream-model"
READABLE_VERSIONS = (1, 2)
LAYER_NORM_EPS = 1e-5  # v1 exports have no config.json; every export so far used this value
# A v1 manifest has no tokenizer block; its models were tokenized by the same byte-level
# tokenizer (the project's only one), so that is what a v1 export gets.
V1_TOKENIZER = {
    "type": "byte-level",
    "textEncoding": "UTF-8",
    "byteIds": 256,
    "specialIds": {"bos": 256, "eos": 257, "pad": 258},
    "addsSpecialIds": False,
}


class InvalidExport(ValueError):
    """The directory is not an export this loader can use (one line says why)."""


class InOut(nn.Module):
    """``x @ weight + bias`` with weight (in, out), as the Java model stores and computes it."""

    def __init__(self, d_in, d_out):
        super().__init__()
        self.weight = nn.Parameter(torch.empty(d_in, d_out))
        self.bias = nn.Parameter(torch.empty(d_out))

    def forward(self, x):
        return x.matmul(self.weight) + self.bias


class Attention(nn.Module):
    """Causal self-attention (CausalSelfAttention.java): q, k, v split in that order."""

    def __init__(self, d, heads):
        super().__init__()
        self.heads = heads
        self.qkv = InOut(d, 3 * d)
        self.proj = InOut(d, d)

    def forward(self, x):
        b, t, d = x.shape
        hd = d // self.heads
        q, k, v = self.qkv(x).split(d, dim=2)
        q = q.reshape(b, t, self.heads, hd).permute(0, 2, 1, 3)
        k = k.reshape(b, t, self.heads, hd).permute(0, 2, 3, 1)
        v = v.reshape(b, t, self.heads, hd).permute(0, 2, 1, 3)
        att = q.matmul(k) * torch.tensor(1.0 / math.sqrt(hd), dtype=x.dtype)
        mask = torch.triu(torch.full((t, t), -1e9, dtype=x.dtype), diagonal=1)
        att = (att + mask).softmax(-1)
        y = att.matmul(v).permute(0, 2, 1, 3).reshape(b, t, d)
        return self.proj(y)


class Expert(nn.Module):
    """``gelu(x @ w1 + b1) @ w2 + b2`` (Layers.expertMlp; libtorch's exact GELU)."""

    def __init__(self, d, f):
        super().__init__()
        self.w1 = nn.Parameter(torch.empty(d, f))
        self.b1 = nn.Parameter(torch.empty(f))
        self.w2 = nn.Parameter(torch.empty(f, d))
        self.b2 = nn.Parameter(torch.empty(d))

    def forward(self, x):
        return F.gelu(x.matmul(self.w1) + self.b1).matmul(self.w2) + self.b2


class DynMoeGate(nn.Module):
    """DynMoeGate.java in inference: top-any by threshold, fallback to the best active expert."""

    def __init__(self, d, slots):
        super().__init__()
        self.sim_matrix = nn.Parameter(torch.empty(d, slots))
        self.thresholds = nn.Parameter(torch.empty(slots))

    def forward(self, x, mask):
        n = x.norm(dim=1, keepdim=True)
        xn = x / n.clamp_min(1e-12)
        w = self.sim_matrix
        wn = w / w.norm(dim=0, keepdim=True).clamp_min(1e-12)
        scores = torch.sigmoid(xn.matmul(wn)) * mask  # (S, E)
        gate = torch.relu(scores - torch.sigmoid(self.thresholds)).sign()
        none = (gate.sum(dim=1, keepdim=True) == 0).to(x.dtype)  # (S, 1)
        top1 = F.one_hot(scores.argmax(dim=1), w.shape[1]).to(x.dtype)
        gate = gate + top1 * none * mask
        k = gate.sum(dim=1)
        return gate / k.clamp_min(1).unsqueeze(1), gate


class SoftmaxRouter(nn.Module):
    """The softmax routers (SoftmaxGate, TopKRouter, TopPRouter, NullExpertRouter)."""

    def __init__(self, d, cols):
        super().__init__()
        self.weight = nn.Parameter(torch.empty(d, cols))

    def probs(self, x, allowed):
        logits = x.matmul(self.weight)
        if all(allowed):
            return logits.softmax(1)
        cols = [c for c, ok in enumerate(allowed) if ok]
        p = torch.zeros_like(logits)
        p[:, cols] = logits[:, cols].softmax(1)  # 0 in the columns that may not be routed to
        return p


def descending(p_row, allowed):
    """Allowed columns by descending probability, ties to the lower index (SoftmaxGate)."""
    cols = [c for c, ok in enumerate(allowed) if ok]
    return sorted(cols, key=lambda c: (-p_row[c], c))


class MoeLayer(nn.Module):
    def __init__(self, cfg, router):
        super().__init__()
        self.kind = router["kind"]
        self.router_cfg = router
        d, f = cfg["dModel"], cfg["dFf"]
        slots = router["maxExperts"]
        if self.kind == "DYNMOE":
            self.gate = DynMoeGate(d, slots)
        elif self.kind in ("TOPK", "TOPP"):
            self.router = SoftmaxRouter(d, router["experts"])
        elif self.kind == "NULL_EXPERTS":
            self.router = SoftmaxRouter(d, router["experts"] + router["nullExperts"])
        self.slots = slots
        self.experts = nn.ModuleDict()  # only the active slots: free ones are not exported
        self.d, self.f = d, f

    def add_expert(self, slot):
        self.experts[str(slot)] = Expert(self.d, self.f)

    def route(self, h, active, step):
        """(weights, selected), both (N, slots)."""
        kind, r = self.kind, self.router_cfg
        mask = torch.tensor([1.0 if a else 0.0 for a in active], dtype=h.dtype)
        if kind == "DYNMOE":
            return self.gate(h, mask)
        if kind in ("DENSE", "EVOMOE"):  # EVOMOE before its DTR stage: expert 0, weight 1
            sel = torch.zeros(h.shape[0], self.slots, dtype=h.dtype)
            sel[:, 0] = 1
            return sel, sel
        e = r["experts"]
        extra = r["nullExperts"] if kind == "NULL_EXPERTS" else 0
        allowed = list(active) + [True] * extra
        p = self.router.probs(h, allowed)
        host = p.detach().double().tolist()  # the Java routers order and sum on the host in double
        sel_all = torch.zeros_like(p)
        for i, row in enumerate(host):
            order = descending(row, allowed)
            if kind == "TOPP":
                before = 0.0
                for c in order:
                    if before > r["topP"]:
                        break
                    sel_all[i, c] = 1
                    before += row[c]
            else:
                for c in order[: r["topK"]]:
                    sel_all[i, c] = 1
        if kind == "TOPP":
            return p * sel_all, sel_all
        if kind == "TOPK":
            picked = p * sel_all
            return (picked if r["topK"] == 1 else picked / picked.sum(1, keepdim=True)), sel_all
        sel = sel_all[:, :e]  # NULL_EXPERTS: renormalised over the selected true experts only
        picked = p[:, :e] * sel
        no_true = (sel.sum(1, keepdim=True) == 0).to(h.dtype)
        return picked / (picked.sum(1, keepdim=True) + no_true), sel

    def forward(self, h, active, step):
        weights, selected = self.route(h, active, step)
        y = torch.zeros_like(h)
        for slot in range(selected.shape[1]):
            rows = selected[:, slot].nonzero(as_tuple=True)[0]
            if rows.numel() == 0:
                continue
            if str(slot) not in self.experts:
                raise InvalidExport(f"a token was routed to slot {slot}, which is not active")
            out = self.experts[str(slot)](h[rows]) * weights[rows, slot].unsqueeze(1)
            y.index_add_(0, rows, out)
        return y


class Block(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        d = cfg["dModel"]
        self.ln1 = nn.LayerNorm(d, eps=LAYER_NORM_EPS)
        self.attn = Attention(d, cfg["heads"])
        self.ln2 = nn.LayerNorm(d, eps=LAYER_NORM_EPS)
        self.moe = MoeLayer(cfg, cfg["router"])


class MoeStreamModel(nn.Module):
    """The causal LM of an export; ``forward(batch)`` is the mean next-token loss of (B, T+1)."""

    def __init__(self, manifest, eps=LAYER_NORM_EPS):
        super().__init__()
        cfg = manifest["model"]
        self.manifest = manifest
        self.step = manifest["step"]
        self.ctx = cfg["ctx"]
        self.active = [[s in set(layer) for s in range(cfg["router"]["maxExperts"])]
                       for layer in manifest["activeSlots"]]
        self.tokenizer = manifest.get("tokenizer") or V1_TOKENIZER
        d = cfg["dModel"]
        self.wte = nn.Parameter(torch.empty(cfg["vocabSize"], d))
        self.wpe = nn.Parameter(torch.empty(cfg["ctx"], d))
        self.layers = nn.ModuleList(Block(cfg) for _ in range(cfg["layers"]))
        for block, slots in zip(self.layers, manifest["activeSlots"]):
            block.ln1.eps = block.ln2.eps = eps
            for s in slots:
                block.moe.add_expert(s)
        self.ln_f = nn.LayerNorm(d, eps=eps)

    @classmethod
    def load(cls, directory, verify=True):
        """Loads ``directory`` (manifest.json, model.safetensors, config.json when present)."""
        manifest = read_manifest(directory)
        if verify:
            verify_files(directory, manifest["files"])
        refuse_unsupported(manifest)
        eps = LAYER_NORM_EPS
        config_path = os.path.join(directory, "config.json")
        if "config.json" in manifest["files"]:
            with open(config_path, encoding="utf-8") as f:
                eps = json.load(f)["layer_norm_eps"]
        model = cls(manifest, eps)
        tensors, _ = safetensors_reader.read(os.path.join(directory, TENSORS))
        if manifest["model"]["router"]["kind"] == "EVOMOE":
            # Before its DTR stage (the only one loaded) an evomoe layer is expert 0 alone: the
            # DTR's hypernetworks are in the file but take no part.
            tensors = {n: t for n, t in tensors.items() if ".moe.dtr." not in n}
        own = model.state_dict()
        missing = sorted(set(own) - set(tensors))
        extra = sorted(set(tensors) - set(own))
        if missing or extra:
            raise InvalidExport(
                f"{TENSORS} does not fit the manifest's model: missing {missing[:3]}, "
                f"unexpected {extra[:3]}"
            )
        for name, t in tensors.items():
            if tuple(t.shape) != tuple(own[name].shape):
                raise InvalidExport(
                    f"{name} has shape {list(t.shape)}, the manifest's model {list(own[name].shape)}"
                )
        model.load_state_dict(tensors, strict=True)
        return model.eval()

    def encode(self, text):
        """Text → ids with the export's tokenizer (byte-level: the UTF-8 bytes, no specials)."""
        tok = self.tokenizer
        if tok["type"] != "byte-level" or tok.get("addsSpecialIds"):
            raise InvalidExport(f"tokenizer {tok['type']} is not supported by this loader")
        return list(text.encode(tok.get("textEncoding", "UTF-8")))

    def forward(self, batch):
        """Mean next-token cross-entropy (float32, as the Java model) of a (B, T+1) id tensor."""
        b, t = batch.shape[0], batch.shape[1] - 1
        if t > self.ctx:
            raise ValueError(f"sequence window {t} > ctx {self.ctx}")
        inputs, targets = batch[:, :t], batch[:, 1:]
        d = self.wte.shape[1]
        x = self.wte[inputs.reshape(-1)].reshape(b, t, d) + self.wpe[:t]
        for block, active in zip(self.layers, self.active):
            x = x + block.attn(block.ln1(x))
            h = block.ln2(x).reshape(b * t, d)
            x = x + block.moe(h, active, self.step).reshape(b, t, d)
        logits = self.ln_f(x).reshape(b * t, d).matmul(self.wte.t())
        nll = -logits.log_softmax(1).gather(1, targets.reshape(-1, 1))
        return nll.mean()

    @torch.no_grad()
    def score(self, tokens):
        """Mean loss over ``tokens`` in windows of up to ctx + 1 (MoeModel.score): (loss, n)."""
        if len(tokens) < 2:
            raise ValueError(f"need at least 2 tokens to score, got {len(tokens)}")
        total = 0.0
        for start in range(0, len(tokens) - 1, self.ctx):
            window = tokens[start : min(start + self.ctx + 1, len(tokens))]
            loss = float(self(torch.tensor([window], dtype=torch.long)))
            total += loss * (len(window) - 1)
        return total / (len(tokens) - 1), len(tokens) - 1

    def score_text(self, text):
        return self.score(self.encode(text))[0]


def read_manifest(directory):
    path = os.path.join(directory, MANIFEST)
    try:
        with open(path, encoding="utf-8") as f:
            m = json.load(f)
    except FileNotFoundError as e:
        raise InvalidExport(f"no {MANIFEST} in {directory} (not an exported model directory)") from e
    except (OSError, json.JSONDecodeError) as e:
        raise InvalidExport(f"{path} is unreadable: {e}") from e
    if m.get("format") != FORMAT or m.get("formatVersion") not in READABLE_VERSIONS:
        raise InvalidExport(
            f"{path} is format {m.get('format')} v{m.get('formatVersion')}; this loader reads "
            f"{FORMAT} v{READABLE_VERSIONS[0]} to v{READABLE_VERSIONS[-1]}"
        )
    for key in ("model", "activeSlots", "files", "step"):
        if key not in m:
            raise InvalidExport(f"{path} lacks {key}")
    return m


def verify_files(directory, files):
    """Size and sha256 of every file the manifest lists (as MoeModel.load does)."""
    for name, want in files.items():
        path = os.path.join(directory, name)
        if not os.path.isfile(path):
            raise InvalidExport(f"{name} is missing from {directory}")
        h = hashlib.sha256()
        size = 0
        with open(path, "rb") as f:
            for chunk in iter(lambda: f.read(1 << 16), b""):
                h.update(chunk)
                size += len(chunk)
        if size != want["bytes"] or h.hexdigest() != want["sha256"]:
            raise InvalidExport(
                f"{name} does not match its checksum in {MANIFEST} (corrupted or modified)"
            )


def refuse_unsupported(manifest):
    router = manifest["model"]["router"]
    kind = router["kind"]
    if kind not in ("DYNMOE", "TOPK", "TOPP", "NULL_EXPERTS", "DENSE", "EVOMOE"):
        raise InvalidExport(f"router {kind} is not supported by this loader")
    if kind == "EVOMOE":
        evo = router["evo"]
        if manifest["step"] >= evo["warmupSteps"] + evo["evolutionSteps"]:
            raise InvalidExport(
                "an evomoe model in its DTR stage (step "
                f"{manifest['step']}) routes with hypernetworks this loader does not implement;"
                " score it with `moe infer`"
            )


def main(argv=None):
    p = argparse.ArgumentParser(
        description="Score a text with an exported model in PyTorch (as `moe infer` does)."
    )
    p.add_argument("--snapshot", required=True, metavar="DIR", help="an exported model directory")
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--text", help="the text to score (UTF-8)")
    src.add_argument("--file", help="score this file's text")
    p.add_argument("--json", action="store_true", help="one JSON object: loss at full precision")
    a = p.parse_args(argv)
    try:
        if a.file is not None:
            with open(a.file, encoding="utf-8") as f:
                text = f.read()
        else:
            text = a.text
        model = MoeStreamModel.load(a.snapshot)
        loss, scored = model.score(model.encode(text))
    except (InvalidExport, safetensors_reader.SafetensorsError, ValueError, OSError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    except Exception as e:  # one line, never only a stack trace
        print(f"error: {type(e).__name__}: {e}", file=sys.stderr)
        return 1
    m = model.manifest
    if a.json:
        print(json.dumps({"modelId": m["modelId"], "step": m["step"], "loss": loss,
                          "perplexity": math.exp(loss), "scored": scored}))
    else:
        print(f"model {m['modelId']} step {m['step']} ({m['model']['router']['kind'].lower()})")
        print(f"loss {loss:.4f} nats/token, perplexity {math.exp(loss):.3f} over {scored}"
              " predicted tokens")
    return 0


if __name__ == "__main__":
    sys.exit(main())
