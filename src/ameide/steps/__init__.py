"""The steps of a test run, in order: plan -> toolchain -> guardrails -> cache -> phases ->
evidence. testrun.Engine composes them; each is a function (or, for the phases, a small
class) a reader takes in alone. None prints: the listener renders progress."""
