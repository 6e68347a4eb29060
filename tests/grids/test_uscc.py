"""Unified social credit codes: real codes pass, mistyped ones are refused with a reason a grid
worker can act on, and input as people type it is normalised first."""

import pytest

from grids.uscc import normalise_uscc, uscc_problem

# Publicly published codes of well-known companies. Each also satisfies its organisation code's
# GB 11714 check digit at position 17: a second, independent guard against a typo here.
WELL_KNOWN = {
    "914403001922038216": "华为技术有限公司 (Huawei)",
    "91440300708461136T": "深圳市腾讯计算机系统有限公司 (Tencent)",
    "91330100716105852F": "阿里巴巴（中国）网络技术有限公司 (Alibaba)",
    "91110108551385082Q": "小米科技有限责任公司 (Xiaomi)",
    "91110000802100433B": "北京百度网讯科技有限公司 (Baidu)",
    "91110000710925462X": "中国石油天然气股份有限公司 (PetroChina)",
}
HUAWEI = "914403001922038216"

# An individual business (个体工商户, entity type 92) from python-stdnum's list of codes found
# online (tests/test_cn_uscc.doctest); its check character is the wrapped-round 0.
INDIVIDUAL_BUSINESS = "92340604MA2PENA300"


def reference_check_character(first_17: str) -> str:
    """GB 32100's check character written out longhand, independently of grids.uscc, to build
    test codes that no registry example covers."""
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    weights = [3**i % 31 for i in range(17)]  # the standard's table: 1, 3, 9, 27, 19, 26, ...
    remainder = sum(alphabet.index(c) * w for c, w in zip(first_17, weights, strict=True)) % 31
    return alphabet[0 if remainder == 0 else 31 - remainder]


@pytest.mark.parametrize("code", [*WELL_KNOWN, INDIVIDUAL_BUSINESS])
def test_real_codes_are_valid(code):
    assert reference_check_character(code[:17]) == code[17]  # the reference is trustworthy
    assert uscc_problem(code) is None


def test_a_wrong_check_character_names_the_expected_one():
    assert uscc_problem(HUAWEI[:17] + "7") == "wrong check character: expected 6, found 7"


def test_the_letters_that_look_like_digits_are_refused_with_their_position():
    code = HUAWEI[:9] + "I" + HUAWEI[10:]

    assert uscc_problem(code) == (
        "character 'I' is not allowed at position 10 (codes never use I, O, Z, S, V)"
    )


def test_the_administrative_division_must_be_digits():
    code = HUAWEI[:4] + "A" + HUAWEI[5:]

    assert uscc_problem(code) == (
        "position 5 belongs to the administrative division code and must be a digit, not 'A'"
    )


@pytest.mark.parametrize("code", ["", HUAWEI[:17], HUAWEI + "6", "91440300-1922038216"])
def test_a_wrong_length_is_reported_before_anything_else(code):
    assert uscc_problem(code) == (
        f"a unified social credit code has 18 characters, this one has {len(code)}"
    )


@pytest.mark.parametrize(
    "typed",
    [
        "９１４４０３００１９２２０３８２１６",  # full-width, as Chinese input methods type it
        "  914403001922038216\n",
        "9144 0300 1922 0382 16",
    ],
)
def test_typed_input_is_normalised_to_the_stored_form(typed):
    assert normalise_uscc(typed) == HUAWEI
    assert uscc_problem(normalise_uscc(typed)) is None


def test_lower_case_and_full_width_letters_are_upper_cased():
    assert normalise_uscc("91330100716105852f") == "91330100716105852F"
    assert normalise_uscc("９１３３０１００７１６１０５８５２ｆ") == "91330100716105852F"


def test_validation_itself_does_not_normalise():
    assert uscc_problem("91330100716105852f") == "character 'f' is not allowed at position 18"


def test_every_single_mistyped_character_is_caught():
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    for index in range(18):
        for replacement in alphabet.replace(HUAWEI[index], ""):
            typo = HUAWEI[:index] + replacement + HUAWEI[index + 1 :]
            assert uscc_problem(typo) is not None, typo


def test_every_swap_of_neighbours_before_the_check_character_is_caught():
    for index in range(16):
        if HUAWEI[index] != HUAWEI[index + 1]:
            swapped = HUAWEI[:index] + HUAWEI[index + 1] + HUAWEI[index] + HUAWEI[index + 2 :]
            assert uscc_problem(swapped) is not None, swapped


def test_the_organisation_codes_own_check_digit_is_not_enforced():
    # Constructed: Huawei's code with position 17 changed from 1 to 2, which breaks its GB 11714
    # check digit, and position 18 recomputed by the reference above.
    first_17 = HUAWEI[:16] + "2"
    code = first_17 + reference_check_character(first_17)

    assert uscc_problem(code) is None


def test_authority_and_entity_type_may_be_letters():
    # Constructed: GB 32100 lets registration authorities and entity types be letters, e.g. Y for
    # "other registration authorities".
    first_17 = "Y1" + HUAWEI[2:17]

    assert uscc_problem(first_17 + reference_check_character(first_17)) is None
