"""Text encoding throughput (texts/s) on the 3,186 CiteSeer paper texts.

Encoders: graphemb's :class:`~graphemb.text.SentenceTransformerEncoder` (all-MiniLM-L6-v2,
bundled, offline; length-sorted batches), the same model called directly through
``sentence_transformers.SentenceTransformer.encode`` (the peer, measured in the same run
with the same batch size and device), and the cheap fallbacks TF-IDF+SVD and hashing.
The on-disk cache is off for every timed call. One untimed warm-up batch runs first.

On a GPU (``--device cuda``, or ``auto`` when one is present) graphemb runs MiniLM in
float16 and the direct call in float32 unless ``--precision`` says otherwise.

Budgets: ``test`` (64 texts, seconds), ``small`` / ``full`` (all 3,186 texts).
``--threads N`` sets torch's intra-op threads for the run (default: torch's own).

Usage: ``python experiments/bench_text_encode.py --budget small [--threads 2]``
"""

from __future__ import annotations

import sys
import time
import warnings
from pathlib import Path
from typing import List

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from experiments.common import Timer, parse_args, write_results  # noqa: E402


def _extra(p) -> None:
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--threads", type=int, default=None)
    p.add_argument("--precision", default="auto", choices=["auto", "float32", "float16"])
    p.add_argument("--repeats", type=int, default=1, help="timed passes per encoder (best is reported)")
    p.add_argument("--limit", type=int, default=None, help="encode only the first N texts (default: all 3,186)")
    p.add_argument("--max-seq-length", type=int, default=None, help="MiniLM truncation (default: the model's 256)")
    p.add_argument("--name", default="bench_text_encode")


def run(args) -> List[dict]:
    import torch

    from graphemb.text import HashingEncoder, SentenceTransformerEncoder, TfidfEncoder, load_citeseer_tag
    from graphemb.utils.device import resolve_device

    if args.threads:
        torch.set_num_threads(args.threads)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        tag = load_citeseer_tag(args.data_root)
    texts = [t for t, m in zip(tag.texts, tag.missing_text) if not m]
    if args.budget == "test":
        texts = texts[:64]
    if args.limit:
        texts = texts[:args.limit]
    device = resolve_device(args.device)
    n = len(texts)
    ours = SentenceTransformerEncoder(device=str(device), batch_size=args.batch_size, precision=args.precision,
                                      max_seq_length=args.max_seq_length, cache=False)
    st = ours.load()
    ours.encode(texts[:args.batch_size])                 # warm-up (untimed)
    rows = []

    def timed(label: str, fn, precision: str) -> None:
        best, best_cpu = float("inf"), float("inf")
        for _ in range(max(1, args.repeats)):
            cpu0 = time.process_time()
            with Timer() as t:
                X = fn()
            best, best_cpu = min(best, t.seconds), min(best_cpu, time.process_time() - cpu0)
        rows.append({"encoder": label, "device": str(device), "precision": precision, "texts": n,
                     "max_seq_length": st.max_seq_length,
                     "dim": int(X.shape[1]), "seconds": round(best, 3), "texts_per_s": round(n / best, 1),
                     "cpu_seconds": round(best_cpu, 3), "texts_per_cpu_s": round(n / max(best_cpu, 1e-9), 1),
                     "threads": torch.get_num_threads()})
        print(f"{label:<55} {n / best:10.1f} texts/s  ({best:.2f} s wall, {best_cpu:.2f} s CPU)", flush=True)

    prec = ours.name.rsplit(":", 1)[1]
    timed("graphemb MiniLM (length-sorted batches)", lambda: ours.encode(texts), prec)
    if prec == "float32":
        timed("sentence-transformers encode() direct (peer)",
              lambda: st.encode(texts, batch_size=args.batch_size, show_progress_bar=False, convert_to_numpy=True,
                                normalize_embeddings=True), "float32")
    else:   # the direct call on the half-precision model graphemb holds: same model, same precision
        timed("sentence-transformers encode() direct (peer)",
              lambda: st.encode(texts, batch_size=args.batch_size, show_progress_bar=False, convert_to_numpy=True,
                                normalize_embeddings=True), prec)
    timed("graphemb TF-IDF + SVD(256) (fit + transform)", lambda: TfidfEncoder(dim=256, cache=False).encode(texts),
          "float64->float32")
    timed("graphemb hashing (512)", lambda: HashingEncoder(dim=512, cache=False).encode(texts), "float32")
    return rows


def main(argv=None) -> int:
    args = parse_args(__doc__.splitlines()[0], argv, extra=_extra)
    start = time.time()
    rows = run(args)
    notes = ["cache off for every timed call; one warm-up batch before timing; best of --repeats passes",
             "CiteSeer texts are ~1,000 characters (title + start of the paper); MiniLM truncates them to "
             "max_seq_length word pieces (the model's default is 256)",
             "CPU timings were taken on a machine shared with other jobs (load ~20 on 2 cores): wall-clock "
             "figures are dominated by waiting; cpu_seconds (process CPU time) is the steadier measure"]
    path = write_results(args.name, "Text encoding throughput on CiteSeer texts", rows, out_dir=args.out_dir,
                         budget=args.budget, time_s=time.time() - start, notes=notes,
                         columns=["encoder", "device", "precision", "texts", "max_seq_length", "dim", "seconds",
                                  "texts_per_s", "cpu_seconds", "texts_per_cpu_s", "threads"])
    sys.stdout.write(Path(path).with_suffix(".md").read_text())
    return 0


if __name__ == "__main__":
    sys.exit(main())
