"""Valid (pseudonymised) answers for any section of the question bank, as a card sends them."""

from __future__ import annotations

from domain.questions import QuestionType, Section, default_themes, follow_up_input_id


def valid_answers(section: Section) -> dict[str, str]:
    answers: dict[str, str] = {}
    for question in section.questions:
        match question.type:
            case QuestionType.SHORT_TEXT:
                answers[question.id] = "Early help team, practitioner in post 3 years"
            case QuestionType.LONG_TEXT:
                answers[question.id] = "Child K was seen at home; concerns were recorded."
            case QuestionType.DATE:
                answers[question.id] = "2025-03-14"
            case QuestionType.CHOICE:
                answers[question.id] = question.choices[0].value
            case QuestionType.MULTI_CHOICE:
                answers[question.id] = ",".join(c.value for c in question.choices[:2])
            case QuestionType.THEME_TAGS:
                answers[question.id] = default_themes()[0].slug
            case QuestionType.YES_NO_FOLLOWUP:
                answers[question.id] = "yes"
                answers[follow_up_input_id(question.id)] = "It was discussed in supervision."
    return answers
