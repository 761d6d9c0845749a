"""The built-in vocabulary synthetic text is drawn from (fixed, so output never depends on a
third-party word list). Changing this list changes every synthetic dataset: append only."""

from __future__ import annotations

_TEXT = """
    the of and to in is for on that by with as at from this be are it an or was which data
    model training value result system method process number time group level study analysis
    information research use case rate section table figure order change point type field
    form test line part area sample product market price cost service customer account
    record report network signal image text word page document source target label class
    feature vector matrix layer weight batch epoch loss error score metric query index
    search answer question reason problem solution design pattern policy rule state event
    stream queue message request response client server node cluster region zone storage
    bucket object file folder path version release build deploy pipeline stage step task job
    worker thread lock cache memory disk river mountain forest garden ocean island desert
    valley meadow harbor bridge tower castle village city street road square station airport
    museum library school kitchen window door chair lamp mirror carpet blanket pillow candle
    basket apple orange lemon cherry grape melon peach plum berry olive pepper onion carrot
    bread butter cheese honey sugar salt coffee tea water juice milk soup rice pasta red
    blue green yellow purple silver golden black white gray brown pink quick slow bright
    dark quiet loud warm cold soft hard light heavy small large early late new old young
    ancient modern simple complex clear open close high low deep shallow wide narrow strong
    weak happy calm brave gentle proud careful curious eager run walk jump read write speak
    listen learn teach grow move turn keep find give take make show tell ask call work play
    start stop plan check share spring summer autumn winter morning evening night today
    tomorrow yesterday week month year hour minute second moment season holiday weekend
    birthday journey travel visit music art science history language culture nature health
    sport game story poem song letter note card book paper pencil brush paint color shape
    circle triangle north south east west left right center middle edge corner border
    surface inside alpha beta gamma delta epsilon zeta theta kappa lambda sigma omega vertex
    tensor engine motor wheel gear lever pulley cable switch button screen sensor robot
    planet comet star moon sun galaxy orbit rocket launch wave particle energy power force
    speed distance height length width volume balance measure friend family parent child
    brother sister neighbor teacher student doctor farmer artist writer driver pilot sailor
    builder baker painter singer dancer player coach
"""

WORDS: tuple[str, ...] = tuple(_TEXT.split())
