"""``graphemb text encode FILE --encoder minilm --out X.npy``: encode one text per line."""

from __future__ import annotations

import argparse
import json
import logging
from pathlib import Path

from ..errors import InvalidParameterError

logger = logging.getLogger("graphemb.commands.text")


def register(subparsers) -> None:
    p = subparsers.add_parser("text", help="text encoders (MiniLM, TF-IDF, hashing)")
    sub = p.add_subparsers(dest="text_command", required=True)
    enc = sub.add_parser("encode", help="encode a UTF-8 file with one text per line into a float32 .npy matrix",
                         description="Encode FILE (one text per line; '-' reads standard input) and save a "
                                     "float32 (lines, dim) array with numpy.save (no pickle). Row i is line i. "
                                     "Empty lines are encoded as empty texts.")
    enc.add_argument("file", help="input text file, one text per line ('-' for stdin)")
    enc.add_argument("--encoder", default="minilm", choices=["minilm", "tfidf", "hashing"])
    enc.add_argument("--out", required=True, help="output .npy path (written atomically)")
    enc.add_argument("--model", default=None,
                     help="minilm only: a local sentence-transformers folder or an explicit hub name "
                          "(default: the bundled all-MiniLM-L6-v2, offline)")
    enc.add_argument("--dim", type=int, default=None, help="tfidf / hashing: output dimension")
    enc.add_argument("--device", default=None, help="minilm only: auto, cpu, cuda, cuda:N")
    enc.add_argument("--batch-size", type=int, default=None)
    enc.add_argument("--no-cache", action="store_true", help="do not read or write the on-disk cache")
    enc.add_argument("--cache-dir", default=None, help="cache folder (default: $GRAPHEMB_CACHE/text or "
                                                       "~/.cache/graphemb/text)")
    enc.add_argument("--verbose", action="store_true")
    enc.set_defaults(func=_cmd_encode)


def _read_lines(path: str) -> list:
    import sys

    if path == "-":
        data = sys.stdin.read()
    else:
        p = Path(path)
        if not p.is_file():
            raise InvalidParameterError(f"FILE {path!r} does not exist or is not a file")
        try:
            data = p.read_bytes().decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise InvalidParameterError(f"{path}: not UTF-8 text ({exc})") from exc
    lines = data.split("\n")
    if lines and lines[-1] == "":
        lines = lines[:-1]
    return [line.rstrip("\r") for line in lines]


def _cmd_encode(args: argparse.Namespace) -> int:
    from ..text import get_encoder
    from ..utils.io import atomic_save_npy

    texts = _read_lines(args.file)
    kwargs = {}
    if args.no_cache:
        kwargs["cache"] = False
    elif args.cache_dir:
        kwargs["cache"] = args.cache_dir
    if args.encoder == "minilm":
        if args.dim is not None:
            raise InvalidParameterError("--dim applies to tfidf and hashing; MiniLM has 384 dimensions")
        kwargs.update(model=args.model, device=args.device)
    else:
        if args.model is not None or args.device is not None:
            raise InvalidParameterError(f"--model and --device apply to minilm, not {args.encoder}")
        if args.dim is not None:
            kwargs["dim"] = args.dim
    encoder = get_encoder(args.encoder, **kwargs)
    X = encoder.encode(texts, batch_size=args.batch_size, verbose=args.verbose)
    atomic_save_npy(args.out, X)
    print(json.dumps({"out": str(args.out), "shape": list(X.shape), "dtype": str(X.dtype),
                      "encoder": encoder.name, "cache_hit": bool(getattr(encoder, "cache_hits_", 0))}))
    return 0
