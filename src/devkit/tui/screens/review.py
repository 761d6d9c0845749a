"""Review: every change the plan will make, from ``plan.describe()``, with diffs for files."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.widgets import Button, Footer, Header, Static

from devkit.core.plan import Plan
from devkit.core.records import replace
from devkit.tui.messages import Answer
from devkit.tui.screens.base import InitScreen, breadcrumb, marked
from devkit.tui.services import ReviewItem, plan_problems, review_items

DIFF_STYLES = {"+": "green", "-": "red", "@": "cyan"}


def render_items(items: list[ReviewItem]) -> Text:
    text = Text()
    for item in items:
        if item.done:
            text.append(f"= {item.title}", style="dim")
            text.append("  already done\n", style="dim")
            continue
        text.append(f"+ {item.title}\n", style="bold")
        for line in item.changes:
            diff_style = DIFF_STYLES.get(line.lstrip()[:1], "") if line.startswith("  ") else ""
            text.append(f"    {line}\n", style=diff_style)
        for line in item.diffs:
            style = DIFF_STYLES.get(line[:1], "dim")
            text.append(f"      {line}\n", style=style)
    return text


def replaced_files(plan: Plan) -> list[str]:
    """Files the plan would replace that someone may have edited (steps offering
    ``replacements()``, like the devcontainer files step)."""
    found: list[str] = []
    for step in plan.steps:
        replacements = getattr(step, "replacements", None)
        if callable(replacements) and not step.is_done():
            found += [str(getattr(change, "rel", change)) for change in replacements()]
    return found


class ReviewScreen(InitScreen):
    NAME = "review"
    BINDINGS: ClassVar[list[BindingType]] = [Binding("enter", "continue", "Run it", priority=True)]

    def __init__(self) -> None:
        super().__init__()
        self.items: list[ReviewItem] | None = None
        self.replacing: list[str] = []
        self.problems: list[str] = []

    def compose(self) -> ComposeResult:
        c = self.init_app.choices
        yield Header()
        yield Static(breadcrumb("Review"), classes="breadcrumb")
        yield Static(
            Text.assemble(
                "Profile ",
                (str(c.profile), "bold"),
                " · branch ",
                (str(c.branch), "bold"),
                " · data ",
                (str(c.data), "bold"),
                *((" · target ", ("host", "bold")) if c.target == "host" else ()),
            ),
            classes="intro",
            id="review-intro",
        )
        with VerticalScroll(id="review-body", classes="panel"):
            yield Static("[dim]planning…[/]", id="review-plan")
        yield Button("Run", id="run", variant="primary", disabled=True)
        yield Footer()

    def on_mount(self) -> None:
        app = self.init_app

        def plan_and_describe() -> object:
            plan = app.services.build_plan(app.choices)
            items = review_items(plan, app.workspace)
            return plan, items, replaced_files(plan), plan_problems(plan)

        self.ask("plan", plan_and_describe)

    def on_answer(self, message: Answer) -> None:
        if message.key == "plan-overwrite":
            self._overwrite_ready(message)
            return
        if message.key != "plan":
            return
        body = self.query_one("#review-plan", Static)
        if message.error:
            body.update(marked("✗ cannot plan the setup:", "bold red", message.error))
            return
        plan, items, replacing, problems = message.value
        self.init_app.plan = plan
        self.items = items
        self.problems = problems
        self.replacing = [] if self.init_app.choices.overwrite else replacing
        self._intro(items)
        text = Text()
        for problem in problems:
            text.append_text(marked("✗", "bold red", problem + "\n"))
        if problems:
            text.append("Fix this first (Esc goes back), then come back to run.\n\n", style="bold")
        body.update(text + render_items(items))
        button = self.query_one("#run", Button)
        if problems:
            button.label = "Blocked: see above"
            return
        if self.replacing:
            button.label = "Replace (backup kept) and run"
        button.disabled = False
        button.focus()

    def _intro(self, items: list[ReviewItem]) -> None:
        c = self.init_app.choices
        done = sum(1 for item in items if item.done)
        if done:
            left = len(items) - done
            tail = (
                f" — {done} of {len(items)} steps are already done (an earlier run made those "
                f"changes); {left} left. This is what the setup will still do:"
            )
        else:
            tail = " — nothing has changed yet. This is everything the setup will do:"
        self.query_one("#review-intro", Static).update(
            Text.assemble(
                "Profile ",
                (str(c.profile), "bold"),
                " · branch ",
                (str(c.branch), "bold"),
                " · data ",
                (str(c.data), "bold"),
                *((" · target ", ("host", "bold")) if c.target == "host" else ()),
                tail,
            )
        )

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_continue()

    def action_continue(self) -> None:
        if self.items is None:
            self.notify("the plan is not ready", severity="warning")
            return
        if self.problems:
            self.notify(
                self.problems[0], title="the setup would fail", severity="error", markup=False
            )
            return
        if self.replacing:
            # Running after seeing the diff is the user's yes to replacing those files.
            app = self.init_app
            app.choices = replace(app.choices, overwrite=True)
            self.query_one("#run", Button).disabled = True
            self.ask("plan-overwrite", lambda: app.services.build_plan(app.choices))
            return
        super().action_continue()

    def _overwrite_ready(self, message: Answer) -> None:
        if message.error:
            self.query_one("#review-plan", Static).update(
                marked("✗ cannot plan the setup:", "bold red", message.error)
            )
            return
        self.init_app.plan = message.value
        self.replacing = []
        super().action_continue()
