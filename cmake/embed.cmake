#  cmake -DIN=file -DOUT=file.c -DNAME=symbol -P embed.cmake
#  Writes a C file defining `const char NAME[]` (NUL-terminated) and
#  `const unsigned long NAME_size` with the bytes of IN.
file(READ "${IN}" hex HEX)
string(LENGTH "${hex}" hexlen)
math(EXPR size "${hexlen} / 2")
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
string(REGEX REPLACE "(0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,)" "\\1\n" bytes "${bytes}")
file(WRITE "${OUT}.tmp" "/* generated from ${IN}: do not edit */\nconst char ${NAME}[] = {\n${bytes}0x00};\nconst unsigned long ${NAME}_size = ${size};\n")
file(RENAME "${OUT}.tmp" "${OUT}")
