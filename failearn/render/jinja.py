"""The Jinja2 set-up every templated output shares: the sandbox, the filters, the search path.

Templates live in ``templates/`` (bundled with the package); a team's ``template_dir``
comes first, so a team overrides one template and keeps the others.  The sandbox lets
a template read what it is given and call failearn's filters, nothing else.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from failearn.errors import UsageError
from failearn.figures import percent
from failearn.render.markup import html_code, md_code, md_text, plain, signed, url
from failearn.resources import templates_dir
from failearn.visible import visible


def _finalize(value: Any) -> Any:
    """Every value a template prints: no control, bidirectional or invisible character
    reaches the reader (:func:`~failearn.visible.visible`), in any format."""
    if not isinstance(value, str):
        return value
    shown = visible(value)
    if shown is value or shown == value:
        return value
    from markupsafe import Markup

    return Markup(shown) if isinstance(value, Markup) else shown


# The longest text or list a template may build with ``*`` or ``**``: a team's template
# renders a report, it does not fill the memory.
MAX_BUILT = 1_000_000


def environment(fmt: str, template_dir: Path | None) -> Any:
    """The Jinja2 environment of one format: the team's directory first, then the bundled one.

    Sandboxed (:class:`jinja2.sandbox.ImmutableSandboxedEnvironment`): a template reads
    the report it is given and calls the filters above, and nothing else; reaching for
    Python's internals (``cycler.__init__.__globals__``), changing the data or building
    a string of gigabytes is an error naming the template (exit 2), not code run.
    """
    import jinja2
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    class _Sandbox(ImmutableSandboxedEnvironment):
        intercepted_binops = frozenset(["*", "**"])

        def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
            if operator == "**" and isinstance(right, int) and abs(right) > 64:
                raise jinja2.exceptions.SecurityError("an exponent over 64 is not allowed")
            if operator == "*" and _built_size(left, right) > MAX_BUILT:
                raise jinja2.exceptions.SecurityError(
                    f"a text or list longer than {MAX_BUILT:,} is not allowed"
                )
            return super().call_binop(context, operator, left, right)

    search = [str(template_dir)] if template_dir is not None else []
    search.append(str(templates_dir()))
    env = _Sandbox(
        loader=jinja2.FileSystemLoader(search),
        autoescape=fmt == "html",
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        finalize=_finalize,
    )
    env.filters.update(
        md=md_text,
        mdcode=md_code,
        code=html_code,
        plain=plain,
        percent=percent,
        signed=signed,
        url=url,
    )
    return env


def _built_size(left: Any, right: Any) -> int:
    """The length of what ``left * right`` builds when one side is a sequence (else 0)."""
    for sequence, times in ((left, right), (right, left)):
        if isinstance(sequence, str | list | tuple) and isinstance(times, int):
            return len(sequence) * max(times, 0)
    return 0


def load_template(name: str, fmt: str, template_dir: Path | None = None) -> Any:
    """One template of ``templates/`` (a team's ``template_dir`` first), compiled.

    Commands load theirs before doing any work, so a broken template stops
    them before anything is recorded; it is a usage error naming the template.
    """
    import jinja2

    try:
        return environment(fmt, template_dir).get_template(name)
    except jinja2.TemplateError as exc:
        where = (
            f" ({exc.filename}:{exc.lineno})" if isinstance(exc, jinja2.TemplateSyntaxError) else ""
        )
        raise UsageError(
            f"cannot render {name}{where}: {exc}", hint="check the template in --template-dir"
        ) from exc
    except (UnicodeDecodeError, OSError) as exc:
        raise UsageError(
            f"cannot read template {name}: {exc}", hint="templates are UTF-8 text files"
        ) from exc


def render_template(
    name: str, fmt: str, context: dict[str, Any], template_dir: Path | None = None
) -> str:
    """Render one template with the filters above; a broken team template is a usage error
    naming it, not a crash (a fault in a bundled one is failearn's own and is raised)."""
    import jinja2
    import jinja2.exceptions

    template = load_template(name, fmt, template_dir)
    try:
        return str(template.render(**context))
    except Exception as exc:
        bundled = templates_dir().resolve()
        if (
            not isinstance(exc, jinja2.TemplateError)
            and template.filename
            and Path(template.filename).resolve().is_relative_to(bundled)
        ):
            raise
        where = f" ({template.filename})" if template.filename else ""
        if isinstance(exc, jinja2.exceptions.SecurityError):
            raise UsageError(
                f"cannot render {name}{where}: the template tried what templates may not do: {exc}",
                hint="a template reads the report it is given and calls "
                "failearn's filters, nothing else",
            ) from exc
        raise UsageError(
            f"cannot render {name}{where}: {type(exc).__name__}: {exc}",
            hint="check the template in --template-dir",
        ) from exc
