"""Build the scenario forms of the AST: settings, blocks, owners, staff, shares, distributions."""

from __future__ import annotations

from sopdsl.syntax import ast
from sopdsl.syntax.source import Span


class ScenarioRules:
    """The builder's methods for the scenario rules of the grammar (mixed into RuleBuilder)."""

    def scenario(self, span, children):
        return ast.Scenario.make(span=span, name=children[0], items=children[1])

    def sc_block(self, span, children):
        *items, above = children
        return items + (above or [])

    def sc_above(self, span, children):
        (head_span, count, window), *items = children
        nested = items.pop()
        # The next `above` is nested in the grammar but a sibling in the AST: end before it.
        span = head_span.to(items[-1].span) if items else head_span
        node = ast.ScAbove.make(span=span, count=count, window=window, items=items)
        return [node, *(nested or [])]

    def above_head(self, span, children):
        return (span, *children)

    def sc_setting(self, span, children):
        key, *values = children
        block = values.pop()
        return ast.ScSetting.make(span=span, key=key, values=values, block=block)

    def sc_per(self, span, children):
        keyword = Span(file=span.file, line=span.line, column=span.column, end_line=span.line,
                       end_column=span.column + len("per"))
        return ast.ScSetting.make(span=span, key=ast.Ident.make(span=keyword, name="per"),
                                  values=children, block=None)

    def negative_number(self, span, children):
        number = children[1]
        return ast.Negative.make(span=span, value=-number.value, text=f"-{number.text}")

    def within(self, span, children):
        return ast.Within.make(span=span, duration=children[0])

    def per_customer(self, span, children):
        return children[0].model_copy(update={"per_customer": True, "span": span})

    def latent_model(self, span, children):
        return ast.ModelName.make(span=span, name=str(children[0]))

    def sc_owner(self, span, children):
        return ast.ScOwner.make(span=span, role=children[0])

    def sc_staff(self, span, children):
        role, count, block = children
        return ast.ScStaff.make(span=span, role=role, count=count, block=block)

    def sc_channel(self, span, children):
        return ast.ScChannel.make(span=span, channel=children[0], block=children[1])

    def sc_purpose(self, span, children):
        return ast.ScPurpose.make(span=span, purpose=children[0], block=children[1])

    def sc_effect(self, span, children):
        return ast.ScEffect.make(span=span, condition=children[0], block=children[1])

    def sc_attribute(self, span, children):
        attribute, *rest = children
        if rest and isinstance(rest[0], ast.Distribution):
            low, high = rest[1] if rest[1] is not None else (None, None)
            return ast.ScAttribute.make(span=span, attribute=attribute, distribution=rest[0],
                                        low=low, high=high)
        return ast.ScAttribute.make(span=span, attribute=attribute, shares=rest)

    def share(self, span, children):
        return ast.Share.make(span=span, value=children[0], share=children[1])

    def range(self, span, children):
        return (children[0], children[1])

    def sc_tag(self, span, children):
        return ast.ScTag.make(span=span, tag=children[0], share=children[1])

    def sc_stage(self, span, children):
        shares = [
            ast.StageShare.make(span=stage.span.to(share.span), stage=stage, share=share)
            for stage, share in zip(children[::2], children[1::2])
        ]
        return ast.ScStage.make(span=span, shares=shares)

    def sc_history(self, span, children):
        event, distribution, within = children
        return ast.ScHistory.make(span=span, event=event, distribution=distribution,
                                  within=within)

    def distribution(self, span, children):
        kind, *args = children
        return ast.Distribution.make(span=span, kind=str(kind), args=args)

    bare_distribution = distribution
