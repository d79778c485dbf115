import argparse
import sys

from bot.fake_wavespeed.cli import configure, run

parser = argparse.ArgumentParser(prog="python -m bot.fake_wavespeed")
configure(parser)
sys.exit(run(parser.parse_args()))
