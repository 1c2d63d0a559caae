"""Personal data never reaches the logs in clear: emails, phone numbers and tokens are masked."""

import logging
import re

_EMAIL = re.compile(r"([A-Za-z0-9._%+-])[A-Za-z0-9._%+-]*@([A-Za-z0-9.-]+\.[A-Za-z]{2,})")
_JWT = re.compile(r"eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+")
_BEARER = re.compile(r"(Bearer\s+)[A-Za-z0-9._~+/=-]+", re.IGNORECASE)
_TOKEN_PARAM = re.compile(r"((?:token|key|secret|password|code)=)[^&\s\"']+", re.IGNORECASE)
_SECRET_KEYS = re.compile(r"\b(sk|rk|pk|whsec)_(live|test)?_?[A-Za-z0-9]{8,}|\bSG\.[A-Za-z0-9_.-]{20,}")
# International or French phone numbers: a + or 0 then 8+ digits, spaces/dots/dashes allowed.
_PHONE = re.compile(r"(?<![\w/])(\+|00|0)\d(?:[ .-]?\d){7,13}(?!\w)")


def mask_personal_data(text: str) -> str:
    text = _JWT.sub("[token]", text)
    text = _BEARER.sub(r"\1[token]", text)
    text = _TOKEN_PARAM.sub(r"\1[masked]", text)
    text = _SECRET_KEYS.sub("[secret]", text)
    text = _EMAIL.sub(r"\1***@\2", text)
    text = _PHONE.sub(lambda match: match.group(0)[:3] + "*** **", text)
    return text


class PersonalDataMaskingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = mask_personal_data(message)
        if masked != message:
            record.msg, record.args = masked, None
        return True
