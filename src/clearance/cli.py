"""`clearance`: the entry point, the parser assembly and the one error handler.

Exit codes (frozen, see `clearance.errors.ExitCode`): 0 clean, 1 findings at or above the
threshold / verification failed / gate closed, 2 usage or configuration error, 3 external
failure, 4 inconclusive (hold), 130 interrupted.

Every long option `--some-option` takes its default from `CLEARANCE_SOME_OPTION` when that is
set, parsed as strictly as the option itself.
"""

from __future__ import annotations

import argparse
import sys
import traceback
from collections.abc import Mapping, Sequence
from typing import NoReturn

from clearance import __version__
from clearance.commands import Command, Context
from clearance.commands.registry import COMMANDS, GROUPS, selected_entry
from clearance.errors import ClearanceError, ConfigError, ExitCode, UsageError

PROG = "clearance"
ENV_PREFIX = "CLEARANCE_"
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}

EXIT_CODES_HELP = """\
exit codes:
  0    clean: nothing at or above the threshold, verified, gate open
  1    findings at or above --fail-on, verification failed, or a gate closed
  2    usage or configuration error
  3    external failure: a tool crashed or a service is unreachable
  4    inconclusive: a gate says "hold"
  130  interrupted

Every --long-option takes its default from CLEARANCE_LONG_OPTION (e.g. CLEARANCE_FAIL_ON=high).
"""


class Parser(argparse.ArgumentParser):
    """argparse that raises `UsageError` (one line) instead of printing usage and exiting."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{self.prog}: {message} (see '{self.prog} --help')")


def _add_verbose(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "-v",
        "--verbose",
        action="count",
        default=argparse.SUPPRESS,
        help="more detail on stderr; -v also shows the traceback of an error",
    )


def build_parser(argv: Sequence[str] = ()) -> Parser:
    """The parser; only the command `argv` names is loaded and configured."""
    parser = Parser(
        prog=PROG,
        description=(
            "clearance carries a change from commit to production safely: scan it, sign it, "
            "record it, promote the same digest, roll back.\n\n"
            "Start with 'clearance run' in a repository, or 'clearance scan code --help'."
        ),
        epilog=EXIT_CODES_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    _add_verbose(parser)
    subparsers: dict[tuple[str, ...], argparse._SubParsersAction[Parser]] = {
        (): parser.add_subparsers(title="commands", metavar="COMMAND", dest="command_0")
    }
    group_parsers: dict[tuple[str, ...], Parser] = {}
    chosen = selected_entry(list(argv))
    for entry in COMMANDS:
        for depth in range(1, len(entry.words)):
            group = entry.words[:depth]
            if group in group_parsers:
                continue
            holder = subparsers[group[:-1]]
            gp = holder.add_parser(
                group[-1],
                help=GROUPS.get(group, ""),
                description=GROUPS.get(group, ""),
                epilog=EXIT_CODES_HELP,
                formatter_class=argparse.RawDescriptionHelpFormatter,
            )
            _add_verbose(gp)
            group_parsers[group] = gp
            subparsers[group] = gp.add_subparsers(
                title="commands", metavar="COMMAND", dest=f"command_{depth}"
            )
        holder = subparsers[entry.words[:-1]]
        if entry is not chosen:
            holder.add_parser(entry.words[-1], help=entry.summary)
            continue
        command = entry.load()
        sub = holder.add_parser(
            entry.words[-1],
            help=entry.summary,
            description=command.description,
            epilog=(command.epilog + "\n\n" if command.epilog else "") + EXIT_CODES_HELP,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        _add_verbose(sub)
        command.configure(sub)
        sub.set_defaults(_command=command, _parser=sub)
    return parser


def env_name(action: argparse.Action) -> str | None:
    """`CLEARANCE_<OPTION>` for a `--long-option`, None for positionals and flags like -h."""
    longs = [s for s in action.option_strings if s.startswith("--")]
    if not longs or action.dest in ("help", "version", "verbose"):
        return None
    return ENV_PREFIX + longs[0][2:].replace("-", "_").upper()


def _env_value(action: argparse.Action, name: str, raw: str) -> object:
    where = f"{name}={raw!r}"
    if isinstance(action, argparse._StoreTrueAction | argparse._StoreFalseAction):
        lowered = raw.strip().lower()
        if lowered in _TRUE:
            return isinstance(action, argparse._StoreTrueAction)
        if lowered in _FALSE:
            return not isinstance(action, argparse._StoreTrueAction)
        raise ConfigError(f"{where}: expected true or false")
    if isinstance(action, argparse.BooleanOptionalAction):
        lowered = raw.strip().lower()
        if lowered in _TRUE | _FALSE:
            return lowered in _TRUE
        raise ConfigError(f"{where}: expected true or false")
    if isinstance(action, argparse._AppendAction) or action.nargs in ("*", "+"):
        import shlex

        items = shlex.split(raw)
        return [_convert(action, where, item) for item in items]
    return _convert(action, where, raw)


def _convert(action: argparse.Action, where: str, raw: str) -> object:
    value: object = raw
    if action.type is not None and callable(action.type):
        try:
            value = action.type(raw)
        except (TypeError, ValueError, argparse.ArgumentTypeError) as exc:
            raise ConfigError(f"{where}: {exc}") from exc
    if action.choices is not None and value not in action.choices:
        choices = ", ".join(str(c) for c in action.choices)
        raise ConfigError(f"{where}: expected one of: {choices}")
    return value


def apply_env_defaults(parser: argparse.ArgumentParser, env: Mapping[str, str]) -> None:
    """Set option defaults from `CLEARANCE_*` variables, strictly parsed."""
    defaults: dict[str, object] = {}
    for action in parser._actions:
        name = env_name(action)
        if name is None or name not in env:
            continue
        defaults[action.dest] = _env_value(action, name, env[name])
    if defaults:
        parser.set_defaults(**defaults)


def parse(argv: Sequence[str], env: Mapping[str, str]) -> argparse.Namespace:
    parser = build_parser(argv)
    args = parser.parse_args(argv)
    sub = getattr(args, "_parser", None)
    if sub is None:
        return args
    apply_env_defaults(sub, env)
    return parser.parse_args(argv)


def _help_for_group(args: argparse.Namespace, argv: Sequence[str], context: Context) -> int:
    """`clearance` or `clearance scan` with no command: show the help, usage error."""
    words = [w for w in argv if not w.startswith("-")]
    parser = build_parser(words)
    try:
        parser.parse_args([*words, "--help"])
    except SystemExit:
        pass
    return int(ExitCode.USAGE)


def main(argv: Sequence[str] | None = None) -> int:
    """Run clearance; return the exit code (never raises for anticipated failures)."""
    args_list = list(sys.argv[1:] if argv is None else argv)
    context = Context.from_process()
    try:
        try:
            args = parse(args_list, context.env)
        except SystemExit as exc:  # --help and --version
            return int(exc.code or 0) if isinstance(exc.code, int) else 0
        context.verbose = getattr(args, "verbose", 0) or 0
        command: Command | None = getattr(args, "_command", None)
        if command is None:
            return _help_for_group(args, args_list, context)
        return command.run(args, context)
    except ClearanceError as error:
        _report(context, error, f"{PROG}: error: {error}")
        return int(error.exit_code)
    except KeyboardInterrupt:
        context.stderr.write(f"{PROG}: interrupted\n")
        return int(ExitCode.INTERRUPTED)
    except BrokenPipeError:
        return int(ExitCode.OK)
    except Exception as error:  # the last line of defence: one line, exit 3, no traceback
        where = _origin(error)
        _report(
            context,
            error,
            f"{PROG}: internal error: {type(error).__name__} at {where} "
            "(run with -v for the traceback, and please report it)",
        )
        return int(ExitCode.EXTERNAL)


def _origin(error: BaseException) -> str:
    tb = error.__traceback__
    frames = traceback.extract_tb(tb) if tb else []
    if not frames:
        return "an unknown place"
    last = frames[-1]
    return f"{last.filename.rsplit('/', 1)[-1]}:{last.lineno}"


def _report(context: Context, error: BaseException, line: str) -> None:
    if context.verbose:
        text = "".join(traceback.format_exception(error))
        context.stderr.write(context.redactor.scrub(text))
    context.stderr.write(context.redactor.scrub(line) + "\n")
    context.stderr.flush()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
