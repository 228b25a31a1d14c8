"""The `dossier` command: parse arguments, call one library function, map errors to exit codes."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from dossier import __version__
from dossier.errors import DossierError, environment_error

EXIT_OK, EXIT_INVALID, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 3


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="dossier", description="Build PMDA consultation briefing and SAKIGAKE "
                                     "designation drafts (DOCX and PDF) from a trial folder of CDISC ADaM data.")
    parser.add_argument("--version", action="version", version=f"dossier {__version__}")
    parser.add_argument("--debug", action="store_true", help="show a traceback on errors")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    b = sub.add_parser("build", help="validate, analyse and render a trial folder")
    b.add_argument("trial_dir", type=Path, metavar="TRIAL_DIR")
    b.add_argument("-o", "--out", type=Path, dest="out_dir", metavar="OUT_DIR",
                   help="output folder (default: out/<trial-folder-name>)")
    b.add_argument("--lang", choices=("en", "ja", "both"), help="document language (default: dossier.yaml's "
                   "language); both: the English and the Japanese documents side by side (briefing.en.pdf, "
                   "briefing.ja.pdf ...), from one run of the analyses")
    b.add_argument("--final", action="store_true", help="build the final documents (as dossier.yaml's status: "
                   "final): any text in another language, missing writer's text or warning is an error")
    b.add_argument("--no-cache", action="store_true", help="recompute the statistics and render every figure and "
                   "document again (nothing of the previous build is reused)")
    c = sub.add_parser("check", help="validate a trial folder and list every problem")
    c.add_argument("trial_dir", type=Path, metavar="TRIAL_DIR")
    c.add_argument("--against", type=Path, metavar="OLD_OUT", help="also report numbers typed in the writer's "
                   "text that equalled a statistic of this earlier build and no longer do")
    v = sub.add_parser("verify", help="recompute the hashes in OUT_DIR/manifest.json")
    v.add_argument("out_dir", type=Path, metavar="OUT_DIR")
    v.add_argument("--trial", type=Path, dest="trial_dir", help="also verify the inputs in this trial folder "
                   "(default: the folder recorded in the manifest, when it exists)")
    d = sub.add_parser("diff", help="list every statistic, table and section that changed between two builds")
    d.add_argument("old_dir", type=Path, metavar="OLD_OUT")
    d.add_argument("new_dir", type=Path, metavar="NEW_OUT")
    d.add_argument("--docx", action="store_true", help="also write briefing.redline.docx and sakigake.redline.docx: "
                   "the new documents with Word tracked changes against the old ones")
    d.add_argument("-o", "--out", type=Path, dest="review_dir", metavar="DIR",
                   help="folder of the review files (default: NEW_OUT-review beside NEW_OUT)")
    d.add_argument("--precise", action="store_true", help="also show every changed value at full precision")
    d.add_argument("--json", type=Path, dest="json_file", metavar="FILE",
                   help="also write the report as JSON (full precision) to FILE")
    d.add_argument("--trial", type=Path, dest="trial_dir", metavar="TRIAL_DIR", help="the trial folder whose "
                   "writer's text to check (default: the folder recorded in NEW_OUT's manifest)")
    i = sub.add_parser("import", help="write the writer's sections of a DOCX edited in Word back into the "
                       "trial folder's Markdown")
    i.add_argument("trial_dir", type=Path, metavar="TRIAL_DIR")
    i.add_argument("docx", type=Path, metavar="EDITED.docx")
    i.add_argument("--lang", choices=("en", "ja"), help="the language the DOCX was built in (default: the one "
                   "its properties record): which text/<lang>/ files are written")
    i.add_argument("--accept-changes", action="store_true", help="take pending tracked changes as accepted")
    i.add_argument("--force", action="store_true", help="write the sections that import cleanly and list the rest")
    n = sub.add_parser("new", help="write a commented starter trial folder")
    n.add_argument("trial_dir", type=Path, metavar="TRIAL_DIR")
    w = sub.add_parser("preview", help="serve the documents in a browser, rendered again whenever a file is saved")
    w.add_argument("trial_dir", type=Path, metavar="TRIAL_DIR")
    w.add_argument("--lang", choices=("en", "ja"), help="language of the first page (default: dossier.yaml's "
                   "language); the page switches between both")
    w.add_argument("--port", type=int, default=8000, help="port to listen on (default 8000; 0: any free port)")
    w.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1; another than "
                   "the loopback interface needs --allow-remote)")
    w.add_argument("--allow-remote", action="store_true", help="allow a --host other machines can reach (anyone "
                   "who can reach it sees the trial's unpublished results)")
    for p in (b, c, v, d, i, n, w):
        p.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help="show a traceback on errors")
    return parser


def _progress(enabled: bool):
    def say(message: str) -> None:
        if enabled:
            print(f"  {message}", file=sys.stderr, flush=True)
    return say


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        try:
            return _run(args)
        except OSError as exc:  # the machine's problem (a full disk...), reported as the user's to solve
            error = environment_error(exc)
            if error is None or args.debug:
                raise
            raise error from None
    except DossierError as exc:
        if args.debug:
            raise
        for problem in exc.problems:
            print(f"error: {problem}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("interrupted: earlier output is untouched", file=sys.stderr)
        return 130
    except BrokenPipeError:  # the reader of stdout has gone (`dossier diff A B | head`): stop quietly
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no second error when Python flushes it
        return EXIT_INVALID
    except Exception as exc:  # a bug in dossier, not the user's mistake: say so in one line
        if args.debug:
            raise
        reason = " ".join(str(exc).split())[:300]  # one line, whatever the exception's text
        print(f"internal error: {type(exc).__name__}: {reason} (this is a bug in dossier; rerun with --debug "
              "for the traceback and report it)", file=sys.stderr)
        return EXIT_INTERNAL


def _run(args: argparse.Namespace) -> int:
    if args.command == "build":
        from dossier.build.pipeline import build

        out_dir = args.out_dir or Path("out") / args.trial_dir.resolve().name
        report = build(args.trial_dir, out_dir, lang=args.lang, progress=_progress(sys.stderr.isatty()),
                       use_cache=not args.no_cache, final=args.final)
        from dossier.document.translation import summary

        for warning in report.warnings:
            print(f"warning: {warning}", file=sys.stderr)
        for language, count in report.fallbacks:
            print(summary(language, count), file=sys.stderr)
        statistics = "statistics computed" if report.computed else "statistics reused from cache"
        print(f"built {args.trial_dir} -> {report.out_dir} ({len(report.outputs)} files, {statistics}, "
              f"{len(report.warnings)} warning(s))")
        return EXIT_OK
    if args.command == "check":
        from dossier.build.check import check

        problems, warnings = check(args.trial_dir, args.against)
        for warning in warnings:
            print(f"warning: {warning}", file=sys.stderr)
        for problem in problems:
            print(f"error: {problem}", file=sys.stderr)
        if problems:
            print(f"{args.trial_dir}: {len(problems)} problem(s)", file=sys.stderr)
            return EXIT_INVALID
        print(f"{args.trial_dir}: OK ({len(warnings)} warning(s))")
        return EXIT_OK
    if args.command == "verify":
        return _verify(args.out_dir, args.trial_dir)
    if args.command == "diff":
        from dossier.word.refresh import report_lines, review, review_json

        result = review(args.old_dir, args.new_dir, args.trial_dir)
        for line in report_lines(result, precise=args.precise):
            print(line)
        if args.json_file:
            from dossier.word.review_files import write_files

            write_files(args.json_file.parent, [(args.json_file, review_json(result))])
        shown = sum(c.visible for c in result.statistics)
        print(f"{len(result.statistics)} statistic(s) changed ({shown} as printed), {len(result.cells)} table "
              f"cell(s), {len(result.passages)} passage(s) of the writer's text, {len(result.stale)} stale typed "
              f"number(s)", file=sys.stderr)
        if args.docx:
            from dossier.word.review_files import documents_to_redline, review_dir, write_redlines

            documents, notes = documents_to_redline(args.old_dir, args.new_dir)
            for note in notes:
                print(f"note: {note}", file=sys.stderr)
            for path in write_redlines(args.old_dir, args.new_dir, review_dir(args.new_dir, args.review_dir),
                                       documents):
                print(f"wrote {path}", file=sys.stderr)
        return EXIT_OK
    if args.command == "import":
        from dossier.word.word_import import import_docx

        if not args.trial_dir.is_dir():
            from dossier.errors import UsageError

            raise UsageError("not a trial folder (no such folder)", where=str(args.trial_dir))
        report = import_docx(args.trial_dir, args.docx, lang=args.lang, accept_changes=args.accept_changes,
                             force=args.force)
        for line in report.comments:
            print(line, file=sys.stderr)
        for problem in report.problems:
            print(f"error: {problem}", file=sys.stderr)
        for path in report.written:
            print(f"wrote {args.trial_dir / path}")
        if report.problems and not args.force:
            print(f"{args.docx}: {len(report.problems)} problem(s); nothing written (--force writes the sections "
                  "that import cleanly)", file=sys.stderr)
        else:
            print(f"{args.docx}: {len(report.written)} text file(s) written, {report.unchanged} section(s) "
                  f"unchanged, {len(report.problems)} problem(s)", file=sys.stderr)
        return EXIT_INVALID if report.problems else EXIT_OK
    if args.command == "preview":
        return _preview(args)
    if args.command == "new":
        from dossier.config.starter import write_starter

        written = write_starter(args.trial_dir)
        print(f"wrote {len(written)} files into {args.trial_dir}; put your ADaM datasets in "
              f"{args.trial_dir / 'adam'} and run: dossier check {args.trial_dir}")
        return EXIT_OK
    return EXIT_USAGE


def _preview(args: argparse.Namespace) -> int:
    from dossier.errors import UsageError
    from dossier.preview.server import start_server, stop

    if not 0 <= args.port <= 65535:
        raise UsageError(f"{args.port} is not a port number (0 to 65535)", where="--port")
    server, watcher = start_server(args.trial_dir, lang=args.lang, host=args.host, port=args.port,
                                   allow_remote=args.allow_remote)
    host, port = server.server_address[:2]
    shown = f"[{host}]" if ":" in host else host
    print(f"preview of {args.trial_dir} at http://{shown}:{port}/ (Ctrl-C to stop)", flush=True)
    try:
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    finally:
        stop(server, watcher)
    return EXIT_OK


def _verify(out_dir: Path, trial_dir: Path | None) -> int:
    import json

    from dossier.errors import UsageError
    from dossier.outputs.manifest import MANIFEST, verify

    if trial_dir is not None and not trial_dir.is_dir():
        raise UsageError("--trial: not a trial folder (no such folder)", where=str(trial_dir))
    if trial_dir is None:
        try:
            recorded = json.loads((out_dir / MANIFEST).read_text(encoding="utf-8")).get("trial_folder")
        except (OSError, ValueError, AttributeError, RecursionError):  # verify() names what is wrong
            recorded = None
        if isinstance(recorded, str) and recorded and Path(recorded).is_dir():
            trial_dir = Path(recorded)
    problems = verify(out_dir, trial_dir)
    for problem in problems:
        print(f"changed: {problem}", file=sys.stderr)
    if problems:
        print(f"{out_dir}: {len(problems)} file(s) differ from manifest.json", file=sys.stderr)
        return EXIT_INVALID
    scope = "outputs and inputs" if trial_dir else "outputs"
    print(f"{out_dir}: all {scope} match manifest.json")
    return EXIT_OK


if __name__ == "__main__":
    raise SystemExit(main())
