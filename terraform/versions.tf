terraform {
  # 1.5 for `check` blocks (warnings that do not stop an apply).
  required_version = ">= 1.5.0"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 6.0.0, < 7.0.0"
    }
  }
}

provider "aws" {
  region = var.region

  default_tags {
    tags = merge({ Project = "aws-cost-notifier", ManagedBy = "terraform" }, var.tags)
  }
}
