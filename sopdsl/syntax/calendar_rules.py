"""Build the calendar forms of the AST: campaigns, date ranges, `today` and dated triggers."""

from __future__ import annotations

from sopdsl.syntax import ast


class CalendarRules:
    """The builder's methods for the calendar rules of the grammar (mixed into RuleBuilder)."""

    def campaign(self, span, children):
        name, title, *body = children
        phases = [c for c in body if isinstance(c, ast.Phase)]
        blackouts = [c for c in body if isinstance(c, ast.Blackout)]
        return ast.CampaignDecl.make(span=span, name=name, title=title, phases=phases,
                                     blackouts=blackouts)

    def campaign_name(self, span, children):
        # `campaign 618`: a number names a campaign as well as a word does.
        token = children[0]
        text = token.name if isinstance(token, ast.Ident) else token.text
        return ast.Ident.make(span=span, name=text)

    def phase(self, span, children):
        name, (start, end) = children
        return ast.Phase.make(span=span, name=name, start=start, end=end)

    def date_range(self, span, children):
        return (children[0], children[1])

    def blackout(self, span, children):
        mode, journeys, phases = children
        return ast.Blackout.make(span=span, mode=str(mode), journeys=journeys, phases=phases)

    def names(self, span, children):
        return children

    def in_dates(self, span, children):
        value, (low, high) = children
        return ast.InDates.make(span=span, value=value, low=low, high=high)

    def day_test(self, span, children):
        return ast.DayTest.make(span=span, value=children[0], day=children[1])

    def campaign_test(self, span, children):
        return ast.CampaignTest.make(span=span, campaign=children[0], phase=children[1])

    def in_campaign(self, span, children):
        return ast.CampaignTest.make(span=span, campaign=children[0])

    def today_value(self, span, children):
        return ast.TodayValue.make(span=span)

    def once_trigger(self, span, children):
        return ast.OnceTrigger.make(span=span, date=children[0], at=children[1])

    def campaign_trigger(self, span, children):
        campaign, phase, at = children
        return ast.CampaignTrigger.make(span=span, campaign=campaign, phase=phase, at=at)
