"""The command grammar: examples for every rule, then properties over arbitrary input."""

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.grammar import (
    COMMANDS_HELP,
    HELP_TEXT,
    MAX_INPUT_CHARS,
    SONG_USAGE,
    AdminCommand,
    CancelCommand,
    HelpCommand,
    HistoryCommand,
    ParseError,
    QuotaCommand,
    SongCommand,
    build_request,
    format_command,
    parse,
    parse_duration,
    validate_fields,
)
from bot.models import (
    DEFAULT_DURATION,
    MAX_DURATION,
    MAX_LYRICS_CHARS,
    MAX_SEED,
    MAX_TAGS_CHARS,
    MIN_DURATION,
    SongRequest,
)

COMMAND_TYPES = (
    SongCommand,
    HelpCommand,
    CancelCommand,
    HistoryCommand,
    QuotaCommand,
    AdminCommand,
)
FORBIDDEN = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\u202a-\u202e\u2066-\u2069]")


def song(text: str, **kwargs) -> SongRequest:
    result = parse(text, **kwargs)
    assert isinstance(result, SongCommand), result
    return result.request


def problems(text: str, **kwargs) -> tuple[str, ...]:
    result = parse(text, **kwargs)
    assert isinstance(result, ParseError), result
    return result.problems


def one_problem(text: str, **kwargs) -> str:
    found = problems(text, **kwargs)
    assert len(found) == 1, found
    return found[0]


# ---------------------------------------------------------------- /song basics


def test_tags_only_takes_defaults():
    assert song("/song lofi, chill") == SongRequest(tags=("lofi", "chill"))
    request = song("/song lofi")
    assert (request.duration, request.seed, request.lyrics, request.private) == (
        60,
        None,
        "",
        False,
    )


def test_text_before_the_first_key_counts_as_tags():
    request = song("/song lofi, chill duration: 30")
    assert request.tags == ("lofi", "chill")
    assert request.duration == 30


def test_keys_in_any_order_and_any_case():
    expected = SongRequest(tags=("rock", "piano"), duration=90, seed=42, lyrics="[verse]\nla")
    texts = [
        "/song tags: rock, piano duration: 90 seed: 42 lyrics: [verse]\nla",
        "/song seed: 42 lyrics: [verse]\nla duration: 90 tags: rock, piano",
        "/SONG TAGS: rock, piano DURATION: 90 Seed: 42 LyRiCs: [verse]\nla",
        "/Song lyrics: [verse]\nla tags: rock, piano seed: 42 duration: 90",
        "/song rock, piano seed:42 duration:90 lyrics:[verse]\nla",
    ]
    for text in texts:
        assert song(text) == expected, text


def test_tags_are_normalised():
    request = song("/song tags:  Lo-Fi ,  chill   beats,,, lo-fi, CHILL  BEATS , , piano ")
    assert request.tags == ("Lo-Fi", "chill beats", "piano")


def test_tags_drop_stray_quotes_and_accept_wide_commas():
    assert song('/song tags: "lofi, chill"').tags == ("lofi", "chill")
    assert song("/song 动漫，钢琴、流行").tags == ("动漫", "钢琴", "流行")


def test_tags_are_required():
    for text in ["/song", "/song duration: 30", "/song tags: , ,", "/song tags:"]:
        assert "**tags** are missing" in one_problem(text), text


def test_tags_length_limit_counts_the_joined_text():
    at_limit = ", ".join(["abcd"] * 50)[:MAX_TAGS_CHARS].rstrip(", ")
    assert len(song(f"/song {at_limit}").tags_text) <= MAX_TAGS_CHARS
    exact = "x" * MAX_TAGS_CHARS
    assert song(f"/song {exact}").tags == (exact,)
    message = one_problem(f"/song {exact}y")
    assert f"{MAX_TAGS_CHARS + 1} characters" in message
    assert f"{MAX_TAGS_CHARS} or fewer" in message


# ---------------------------------------------------------------- duration


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("90", 90),
        ("90s", 90),
        ("90 s", 90),
        ("90 sec", 90),
        ("90 seconds", 90),
        ("1:30", 90),
        ("0:05", 5),
        ("4:00", 240),
        ("2m", 120),
        ("2 min", 120),
        ("2 minutes", 120),
        ("1m30s", 90),
        ("1m 30s", 90),
        ("1 min 30 sec", 90),
        ("1m30", 90),
        ("1.5m", 90),
        (".5m", 30),
        ("90.0", 90),
        ("5", 5),
        ("240", 240),
        (" 45S ", 45),
        ('"45"', 45),
        ("１２０", 120),
    ],
)
def test_durations_accepted(text, seconds):
    assert parse_duration(text) == seconds
    assert song(f"/song rock duration: {text}").duration == seconds


@pytest.mark.parametrize("text", ["0", "4", "241", "-5", "5:01", "4m1s", "9" * 5000, "-1"])
def test_durations_out_of_range(text):
    message = parse_duration(text)
    assert isinstance(message, str)
    assert "out of range" in message
    assert f"{MIN_DURATION} to {MAX_DURATION} seconds" in message


@pytest.mark.parametrize(
    "text", ["abc", "1e9", "nan", "inf", "-inf", "1:3", "1:75", "0x10", "90 hours", "½", "1,5m"]
)
def test_durations_not_understood(text):
    message = parse_duration(text)
    assert isinstance(message, str)
    assert "isn't a length I understand" in message
    assert "`1:30`" in message and "240 seconds" in message


def test_fractional_duration_must_be_whole_seconds():
    message = parse_duration("1.51m")
    assert isinstance(message, str)
    assert "90.6 seconds" in message and "whole number" in message
    assert isinstance(parse_duration("90.5"), str)


def test_empty_duration_key_is_an_error():
    assert "**duration** is empty" in one_problem("/song rock duration:")


# ---------------------------------------------------------------- seed


@pytest.mark.parametrize(
    ("text", "seed"),
    [("0", 0), ("42", 42), (str(MAX_SEED), MAX_SEED), ("-1", None), ("random", None), ("+7", 7)],
)
def test_seeds_accepted(text, seed):
    assert song(f"/song rock seed: {text}").seed == seed


def test_absent_seed_is_random():
    assert song("/song rock").seed is None


@pytest.mark.parametrize("text", ["-2", str(MAX_SEED + 1), "9" * 5000, "-99999999999999999"])
def test_seeds_out_of_range(text):
    message = one_problem(f"/song rock seed: {text}")
    assert "**seed**" in message and "out of range" in message
    assert str(MAX_SEED) in message


@pytest.mark.parametrize("text", ["abc", "1.5", "1e9", "nan", "inf", "0x10", "4 2"])
def test_seeds_not_whole_numbers(text):
    message = one_problem(f"/song rock seed: {text}")
    assert "isn't a whole number" in message
    assert "`-1`" in message


# ---------------------------------------------------------------- lyrics


def test_lyrics_keep_newlines_and_structure_tags():
    lyrics = "[verse]\nWalking down the road\n\n[chorus]\nLa la la"
    assert song(f"/song pop lyrics: {lyrics}").lyrics == lyrics


@pytest.mark.parametrize("marker", ["[inst]", "[instrumental]", "[INST]", "  [Instrumental] ", ""])
def test_instrumental_markers(marker):
    request = song(f"/song pop lyrics: {marker}")
    assert request.lyrics == ""
    assert request.instrumental


def test_unknown_words_with_colons_stay_in_lyrics():
    lyrics = "[verse]\nChorus: la la\nNote: 12:30 at https://example.com\nmood: fine"
    assert song(f"/song pop lyrics: {lyrics}").lyrics == lyrics


def test_known_keys_end_the_lyrics():
    request = song("/song lyrics: [verse]\nhello\nduration: 30 tags: pop")
    assert request.lyrics == "[verse]\nhello"
    assert (request.duration, request.tags) == (30, ("pop",))


def test_lyrics_length_limit():
    assert len(song(f"/song pop lyrics: {'a' * MAX_LYRICS_CHARS}").lyrics) == MAX_LYRICS_CHARS
    message = one_problem(f"/song pop lyrics: {'a' * (MAX_LYRICS_CHARS + 1)}")
    assert f"{MAX_LYRICS_CHARS} or fewer" in message


def test_lyrics_override_replaces_the_lyrics_key():
    lyrics = "[verse]\nseed: not a key here\nduration: nor this\n[chorus]\nmood: ok"
    request = song("/song pop lyrics: old words seed: 3", lyrics=lyrics)
    assert request.lyrics == lyrics
    assert request.seed == 3
    assert song("/song pop", lyrics="[inst]").lyrics == ""
    assert song("/song pop lyrics: a lyrics: b", lyrics="c").lyrics == "c"


def test_lyrics_override_is_limited_and_cleaned():
    assert song("/song pop", lyrics="a\r\nb\x00c\x85d").lyrics == "a\nbc\nd"
    assert "**lyrics**" in one_problem("/song pop", lyrics="x" * (MAX_LYRICS_CHARS + 1))


# ---------------------------------------------------------------- private


def test_private_key_accepts_yes_and_no():
    assert song("/song pop private: yes").private is True
    assert song("/song pop private: NO").private is False
    assert song("/song pop").private is False
    assert "`yes` or `no`" in one_problem("/song pop private: maybe")


# ---------------------------------------------------------------- key problems


def test_unknown_key_is_named_with_the_valid_keys():
    message = one_problem("/song pop mood: happy")
    assert "`mood:`" in message
    for key in ("tags", "duration", "seed", "lyrics", "private"):
        assert f"`{key}:`" in message


def test_unknown_key_suggestions():
    assert "Did you mean `duration:` for `durration:`" in one_problem("/song pop durration: 30")
    assert "`duration:` for `length:`" in one_problem("/song pop length: 30")


def test_word_colon_in_the_tags_region_is_a_key_but_urls_and_times_are_not():
    assert "`genre:`" in problems("/song pop genre:rock")[0]
    assert song("/song https://example.com, rock").tags == ("https://example.com", "rock")
    assert song("/song rock :) 12:30").tags == ("rock :) 12:30",)


def test_escaped_key_is_plain_text():
    assert song(r"/song mood\: happy").tags == ("mood: happy",)
    assert song(r"/song pop lyrics: seed\: of doubt").lyrics == "seed: of doubt"


@pytest.mark.parametrize("key", ["tags", "duration", "seed", "lyrics", "private"])
def test_repeated_key_is_named(key):
    value = {"tags": "pop", "duration": "30", "seed": "1", "lyrics": "la", "private": "no"}[key]
    found = problems(f"/song tags: rock {key}: {value} {key.upper()}: {value}")
    assert any(f"**{key}** is given" in p for p in found), found


def test_leading_text_and_tags_key_count_as_repeated_tags():
    message = one_problem("/song lofi tags: chill")
    assert "**tags** is given 2 times" in message
    assert "text before the first key" in message


def test_all_problems_are_reported_together():
    result = parse("/song mood: sad duration: 0 seed: abc tags: x tags: y lyrics: " + "a" * 4001)
    assert isinstance(result, ParseError)
    joined = "\n".join(result.problems)
    assert len(result.problems) == 5
    for needle in ("`mood:`", "**tags** is given", "**duration**", "**seed**", "**lyrics**"):
        assert needle in joined
    assert result.message.startswith("I found 5 problems:\n• ")
    assert result.message.endswith(SONG_USAGE)


# ---------------------------------------------------------------- unicode and controls


@pytest.mark.parametrize(
    "tags",
    ["🎸 rock, 🎹 piano", "موسيقى هادئة, بيانو", "café, naïve", "e\u0301te\u0301", "👩‍🎤 pop"],
)
def test_unicode_tags(tags):
    request = song(f"/song {tags}")
    assert request.tags
    assert all(tag.strip() == tag for tag in request.tags)


def test_combining_marks_are_composed():
    assert song("/song cafe\u0301").tags == ("café",)


def test_control_characters_never_get_through():
    request = song(
        "/song ro\x00ck\x07, po\x9bp\u202e duration: 3\x000 lyrics: la\x00\tla\r\nli\x1b"
    )
    assert request.tags == ("rock", "pop")
    assert request.duration == 30
    assert request.lyrics == "la\tla\nli"


def test_lone_surrogates_are_dropped():
    assert song("/song rock\ud800").tags == ("rock",)


def test_huge_input_is_refused_clearly():
    message = one_problem("/song " + "a" * MAX_INPUT_CHARS)
    assert "characters long" in message


# ---------------------------------------------------------------- other commands


def test_other_commands():
    assert parse("/help") == HelpCommand()
    assert parse("/HELP /Song please") == HelpCommand("song")
    assert parse("/history") == HistoryCommand()
    assert parse("/Quota now") == QuotaCommand()
    assert parse("  /admin  ban  alice \n") == AdminCommand("ban  alice")
    assert parse("/admin") == AdminCommand("")


def test_cancel():
    assert parse("/cancel 7kq2xm") == CancelCommand("7kq2xm")
    assert parse("/CANCEL `#7KQ2XM`") == CancelCommand("7kq2xm")
    assert "needs a job id" in one_problem("/cancel")
    assert "one job id" in one_problem("/cancel a b")
    assert "doesn't look like a job id" in one_problem("/cancel 7kq2xm!")


def test_empty_input_and_plain_text_get_hints():
    for text in ["", "   \n\t", "\x00"]:
        assert "empty" in one_problem(text)
    message = one_problem("make me a song")
    assert "`/song" in message and "`/help`" in message


def test_unknown_command_is_named_and_commands_listed():
    result = parse("/foo bar")
    assert isinstance(result, ParseError)
    assert "`/foo`" in result.problems[0]
    for name in ("/song", "/help", "/cancel", "/history", "/quota"):
        assert f"`{name}`" in result.problems[0]
    assert result.hint == COMMANDS_HELP
    assert "`/`" in one_problem("/")


def test_help_text_documents_private_and_limits():
    assert "private: yes" in SONG_USAGE
    for number in (MAX_TAGS_CHARS, MAX_LYRICS_CHARS, MAX_DURATION, MAX_SEED):
        assert str(number) in SONG_USAGE
    assert SONG_USAGE in HELP_TEXT


def test_parse_error_message_for_one_problem():
    error = ParseError(("Something is off.",), hint="Try this.")
    assert error.message == "Something is off.\n\nTry this."
    assert ParseError(("Only this.",)).message == "Only this."


# ---------------------------------------------------------------- structured inputs


def test_build_request_uses_the_same_rules():
    assert build_request(tags=" rock ,ROCK, jazz", duration="1:30", seed="-1", lyrics="[inst]") == (
        SongRequest(tags=("rock", "jazz"), duration=90)
    )
    assert build_request(tags="rock", duration=120, seed=5, private=True) == SongRequest(
        tags=("rock",), duration=120, seed=5, private=True
    )
    result = build_request(tags="", duration="abc", seed=MAX_SEED + 1)
    assert isinstance(result, ParseError)
    assert len(result.problems) == 3
    assert result.problems[1] == parse_duration("abc")


def test_build_request_allows_colons_in_tags():
    assert build_request(tags="mood: happy") == SongRequest(tags=("mood: happy",))


def test_validate_fields_reports_per_field_and_blank_means_default():
    assert validate_fields(tags="pop", duration=" ", seed="", lyrics="", private="") == SongRequest(
        tags=("pop",), duration=DEFAULT_DURATION
    )
    errors = validate_fields(tags=None, duration="0", seed="x", lyrics="a" * 5000, private="eh")
    assert isinstance(errors, dict)
    assert set(errors) == {"tags", "duration", "seed", "lyrics", "private"}
    assert all(errors.values())


def test_bool_is_not_a_number():
    assert isinstance(build_request(tags="a", duration=True), ParseError)  # type: ignore[arg-type]


def test_format_command_example():
    request = SongRequest(tags=("lofi", "chill"), duration=90, seed=42, lyrics="[verse]\nhi")
    assert (
        format_command(request)
        == "/song tags: lofi, chill duration: 90 seed: 42 lyrics: [verse]\nhi"
    )
    assert format_command(SongRequest(tags=("a",), private=True)) == (
        "/song tags: a duration: 60 private: yes"
    )


def test_format_command_escapes_key_like_text():
    request = SongRequest(tags=("mood: x",), seed=3, lyrics="seed: 3\nChorus: x\\: y")
    assert parse(format_command(request)) == SongCommand(request)


# ---------------------------------------------------------------- properties

ANY_CHAR = st.characters(codec=None, categories=None)
ANY_TEXT = st.text(ANY_CHAR, max_size=300)
KEY_NAMES = st.sampled_from(
    [
        "tags",
        "TAGS",
        "duration",
        "Duration",
        "seed",
        "lyrics",
        "private",
        "mood",
        "bpm",
        "https",
        "tag",
        "x-y",
        "seed\\",
        "lyrics\\\\",
    ]
)
VALUES = st.one_of(
    ANY_TEXT,
    st.sampled_from(
        [
            "rock, pop",
            "90",
            "1:30",
            "2m",
            "1.5m",
            "-1",
            "0",
            "241",
            "1e9",
            "nan",
            "[inst]",
            "[verse]\nla la\n[chorus]\nhey",
            "yes",
            "no",
            "",
            " ",
            "\n",
            "a: b",
            "http://x",
            "9" * 60,
            "💥",
            "\u202e",
            "\x00",
            "e\u0301",
        ]
    ),
    st.integers().map(str),
)
SOUP = st.lists(st.tuples(KEY_NAMES, st.sampled_from([":", ": ", ":\n", " :"]), VALUES), max_size=8)
SOUP_TEXT = st.builds(
    lambda lead, pairs: "/song " + lead + " " + " ".join(k + c + v for k, c, v in pairs),
    VALUES,
    SOUP,
)


def assert_valid(result):
    if isinstance(result, ParseError):
        assert result.problems
        assert all(isinstance(p, str) and p.strip() for p in result.problems)
        assert all(p in result.message for p in result.problems)
        return
    assert isinstance(result, COMMAND_TYPES)
    if isinstance(result, SongCommand):
        assert_within_limits(result.request)


def assert_within_limits(request: SongRequest):
    assert request.tags and all(tag and tag == tag.strip() for tag in request.tags)
    assert len(request.tags_text) <= MAX_TAGS_CHARS
    assert len({tag.casefold() for tag in request.tags}) == len(request.tags)
    assert MIN_DURATION <= request.duration <= MAX_DURATION
    assert request.seed is None or 0 <= request.seed <= MAX_SEED
    assert len(request.lyrics) <= MAX_LYRICS_CHARS
    assert not FORBIDDEN.search(request.tags_text + request.lyrics)
    assert "\n" not in request.tags_text and "\t" not in request.tags_text
    request.model_dump_json().encode()  # storable: no lone surrogates


@given(ANY_TEXT)
def test_any_text_parses_or_explains(text):
    assert_valid(parse(text))


@given(st.sampled_from(["/song ", "/help ", "/cancel ", "/admin ", "/", "/SONG\n"]), ANY_TEXT)
def test_any_command_arguments_parse_or_explain(command, rest):
    assert_valid(parse(command + rest))


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow])
@given(SOUP_TEXT, st.none() | ANY_TEXT)
def test_key_value_soup_parses_or_explains(text, lyrics):
    result = parse(text, lyrics=lyrics)
    assert_valid(result)
    if isinstance(result, SongCommand):
        assert parse(format_command(result.request)) == result


@given(st.integers(min_value=-1000, max_value=1000))
def test_integer_durations(seconds):
    expected = seconds if MIN_DURATION <= seconds <= MAX_DURATION else None
    result = parse_duration(str(seconds))
    assert result == expected if expected is not None else isinstance(result, str)
    minutes, rest = divmod(abs(seconds), 60)
    if expected is not None:
        assert parse_duration(f"{minutes}:{rest:02d}") == seconds
        assert parse_duration(f"{minutes}m{rest}s") == seconds


@given(ANY_TEXT)
def test_parse_duration_never_raises(text):
    result = parse_duration(text)
    assert isinstance(result, str) or MIN_DURATION <= result <= MAX_DURATION


FIELD_TEXT = st.one_of(ANY_TEXT, VALUES)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(
    tags=FIELD_TEXT,
    duration=st.one_of(st.none(), FIELD_TEXT, st.integers()),
    seed=st.one_of(st.none(), FIELD_TEXT, st.integers()),
    lyrics=st.one_of(st.none(), FIELD_TEXT, st.text(ANY_CHAR, min_size=3000, max_size=4100)),
    private=st.booleans(),
)
def test_structured_requests_round_trip_through_text(tags, duration, seed, lyrics, private):
    result = build_request(tags=tags, duration=duration, seed=seed, lyrics=lyrics, private=private)
    if isinstance(result, ParseError):
        assert result.problems and all(result.problems)
        return
    assert_within_limits(result)
    assert parse(format_command(result)) == SongCommand(result)


@given(
    tags=st.lists(st.text(ANY_CHAR, min_size=1, max_size=40), min_size=1, max_size=6),
    lyrics=st.lists(
        st.one_of(ANY_TEXT, st.sampled_from(["seed: 1", "Tags:x", "a\\: b", "[chorus]", "\n"])),
        max_size=10,
    ),
)
def test_key_like_text_round_trips(tags, lyrics):
    result = build_request(tags=",".join(tags), lyrics=" ".join(lyrics))
    if isinstance(result, SongRequest):
        assert parse(format_command(result)) == SongCommand(result)
